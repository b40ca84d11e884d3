"""Sending webhooks over HTTP. The host is resolved here, the URL rules are applied to the
addresses found, and the request goes to the first allowed address itself (Host header and
TLS server name kept), so a name that resolves elsewhere between check and connect (DNS
rebinding) cannot steer it inside. No redirects are followed, no proxy from the environment
is used, and an answer is waited for TIMEOUT_S at most."""

import asyncio
import ipaddress
import socket
import time

import httpx

from gateway.domain.webhook_urls import Address, Network, Target, refusal
from gateway.ports import Answer

TIMEOUT_S = 10.0


class HttpWebhookSender:
    def __init__(self, allowed: tuple[Network, ...], timeout_s: float = TIMEOUT_S):
        self.allowed = allowed
        self.client = httpx.AsyncClient(
            timeout=timeout_s, follow_redirects=False, trust_env=False, verify=True
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def refusal(self, target: Target) -> str | None:
        return refusal(target, await _resolve(target), self.allowed)

    async def post(self, target: Target, url: str, headers: dict, body: bytes) -> Answer:
        started = time.monotonic()
        addresses = await _resolve(target)
        if refused := refusal(target, addresses, self.allowed):
            return Answer(None, refused, 0)
        pinned = httpx.URL(url).copy_with(host=str(addresses[0]))
        default_port = target.port == (443 if target.scheme == "https" else 80)
        name = f"[{target.host}]" if ":" in target.host else target.host  # an IPv6 address
        host = name if default_port else f"{name}:{target.port}"
        try:
            answer = await self.client.post(
                pinned,
                content=body,
                headers=headers | {"host": host, "user-agent": "aitrain-webhooks/1"},
                extensions={"sni_hostname": target.host},
            )
        except httpx.TimeoutException:
            return Answer(None, "no answer in time", _ms(started))
        except httpx.HTTPError as exc:
            return Answer(None, f"could not connect: {type(exc).__name__}", _ms(started))
        return Answer(answer.status_code, None, _ms(started))


async def _resolve(target: Target) -> list[Address]:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            target.host, target.port, type=socket.SOCK_STREAM
        )
    except (OSError, UnicodeError, ValueError):  # unknown, or no name IDNA can encode
        return []
    found = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0].split("%")[0])  # no IPv6 zone
        if address not in found:
            found.append(address)
    return found


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
