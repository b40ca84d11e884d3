"""Where a webhook may go. A URL is refused when its host resolves to an address that is not
public (loopback, private, link-local, carrier NAT, multicast, reserved) — unless the operator
allowed that network (WEBHOOK_ALLOW_NETWORKS) — so an account cannot make the platform call
its own internals. Plain http only to such allowed networks; the internet gets https.

The rule is applied when an endpoint is saved and again on every attempt, to the addresses
the request then really goes to (a name may resolve elsewhere later)."""

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from gateway.domain.errors import Invalid

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_URL = 2000


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int


def parse(url: str) -> Target:
    """The URL's scheme, host and port; Invalid with what to fix."""
    if len(url) > MAX_URL:
        raise Invalid(f"the URL is longer than {MAX_URL} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Invalid(f"{url!r} is not a URL: {exc}") from exc
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise Invalid(f"{url!r} is not an http(s) URL; use https://your.host/path")
    if parts.username or parts.password:
        raise Invalid("a webhook URL holds no user name or password; it is signed instead")
    port = port or (443 if parts.scheme == "https" else 80)
    return Target(parts.scheme, parts.hostname, port)


def parse_networks(text: str) -> tuple[Network, ...]:
    """`127.0.0.0/8,::1/128`: the networks an operator lets webhooks reach."""
    return tuple(ipaddress.ip_network(part.strip()) for part in text.split(",") if part.strip())


def refusal(target: Target, addresses: list[Address], allowed: tuple[Network, ...]) -> str | None:
    """Why a request to these addresses is refused; None when it may go."""
    if not addresses:
        return f"{target.host} resolves to no address"
    for address in addresses:
        inside = any(address in network for network in allowed)
        if not inside and not address.is_global:
            return (
                f"{target.host} resolves to {address}, which is not a public address; "
                "webhooks go to the internet (an operator may allow a network with "
                "WEBHOOK_ALLOW_NETWORKS)"
            )
        if not inside and target.scheme != "https":
            return f"use https:// for {target.host}: plain http goes to allowed networks only"
    return None
