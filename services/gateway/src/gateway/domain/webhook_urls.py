"""Where a webhook may go. A URL is refused when its host resolves to an address that is not
public (loopback, private, link-local, carrier NAT, multicast, reserved, or an IPv6 address
that carries such an IPv4 one) — unless the operator allowed that network
(WEBHOOK_ALLOW_NETWORKS) — so an account cannot make the platform call its own internals.
Plain http only to such allowed networks; the internet gets https.

The rule is applied when an endpoint is saved and again on every attempt, to the addresses
the request then really goes to (a name may resolve elsewhere later)."""

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from gateway.domain.errors import Invalid

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_URL = 2000
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the IPv4 address in its last 32 bits
LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")  # a site's own translator
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated: ::a.b.c.d
SITE_LOCAL = ipaddress.ip_network("fec0::/10")  # deprecated, never global


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


def public(address: Address) -> bool:
    """Global unicast, and so is every IPv4 address an IPv6 one carries: the network may
    deliver NAT64, 6to4, Teredo, IPv4-mapped or -compatible addresses to that IPv4 address."""
    if not address.is_global or address.is_multicast:
        return False
    if address.version == 4:
        return True
    if address in LOCAL_NAT64 or address in SITE_LOCAL:
        return False
    return all(public(carried) for carried in _carried_ipv4(address))


def _carried_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    carried = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
    if address in NAT64 or address in IPV4_COMPATIBLE:
        carried.append(ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF))
    return [v4 for v4 in carried if v4 is not None]


def refusal(target: Target, addresses: list[Address], allowed: tuple[Network, ...]) -> str | None:
    """Why a request to these addresses is refused; None when it may go."""
    if not addresses:
        return f"{target.host} resolves to no address"
    for address in addresses:
        inside = any(address in network for network in allowed)
        if not inside and not public(address):
            return (
                f"{target.host} resolves to {address}, which is not a public address; "
                "webhooks go to the internet (an operator may allow a network with "
                "WEBHOOK_ALLOW_NETWORKS)"
            )
        if not inside and target.scheme != "https":
            return f"use https:// for {target.host}: plain http goes to allowed networks only"
    return None
