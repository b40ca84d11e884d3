"""Webhooks go to the public internet only: every address that is not global unicast is
refused, and so is an IPv6 address that carries a non-public IPv4 one (IPv4-mapped and
-compatible, NAT64, 6to4, Teredo), since the network may deliver it to that IPv4 address.
And a delivery never follows a redirect, which could otherwise lead it inside."""

import asyncio
import ipaddress

import pytest
from webhook_receiver import serving

from gateway.adapters.http_webhooks import HttpWebhookSender
from gateway.domain.webhook_urls import Target, parse, parse_networks, refusal

NOT_PUBLIC = [
    # IPv4: this host, loopback, private, carrier NAT, link-local (cloud metadata)
    "0.0.0.0", "0.1.2.3", "127.0.0.1", "127.255.255.254", "10.0.0.1", "10.255.255.255",
    "172.16.0.1", "172.31.255.254", "192.168.0.1", "192.168.255.254", "100.64.0.1",
    "100.127.255.254", "169.254.0.1", "169.254.169.254",
    # IPv4: protocol assignments, documentation, benchmarking, reserved, broadcast, multicast
    "192.0.0.1", "192.0.2.1", "198.51.100.1", "203.0.113.1", "198.18.0.1", "198.19.255.254",
    "240.0.0.1", "255.255.255.255", "224.0.0.1", "239.255.255.250", "233.252.0.1",
    # IPv6: unspecified, loopback, unique local, link-local, site-local, documentation,
    # discard-only, multicast
    "::", "::1", "fc00::1", "fd12:3456::1", "fe80::1", "fec0::1", "2001:db8::1", "100::1",
    "ff02::1", "ff0e::1",
    # IPv6 forms that carry a non-public IPv4 address
    "::127.0.0.1", "::10.0.0.1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
    "64:ff9b::a00:1", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::a00:1",
    "2002:a00:1::1", "2002:7f00:1::1", "2002:a9fe:a9fe::1",
    "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo to 10.0.0.1
]  # fmt: skip
PUBLIC = ["1.1.1.1", "8.8.8.8", "2606:4700:4700::1111", "64:ff9b::808:808", "2002:808:808::1"]
HTTPS = Target("https", "hooks.example.com", 443)


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_a_webhook_to_a_non_public_address_is_refused(address):
    said = refusal(HTTPS, [ipaddress.ip_address(address)], allowed=())
    assert said is not None and "not a public address" in said


@pytest.mark.parametrize("address", PUBLIC)
def test_a_public_address_may_be_called(address):
    assert refusal(HTTPS, [ipaddress.ip_address(address)], allowed=()) is None


@pytest.mark.parametrize("host", ["[::127.0.0.1]", "[64:ff9b::a00:1]", "[2002:a00:1::1]"])
async def test_a_url_naming_such_an_address_is_refused_when_sent(host):
    """The sender resolves and checks again at delivery time, not only when it is saved."""
    sender = HttpWebhookSender(allowed=())
    try:
        answer = await sender.post(parse(f"https://{host}/h"), f"https://{host}/h", {}, b"{}")
    finally:
        await sender.close()
    assert answer.status_code is None and "not a public address" in answer.error


async def test_a_delivery_does_not_follow_a_redirect():
    outside, outside_server = serving()
    inside, inside_server = serving()
    outside.redirects["/hook"] = f"{inside.url}/stolen"
    sender = HttpWebhookSender(allowed=parse_networks("127.0.0.0/8"))
    try:
        answer = await sender.post(parse(f"{outside.url}/hook"), f"{outside.url}/hook", {}, b"{}")
        await asyncio.sleep(0.2)  # time enough for a followed redirect to arrive
    finally:
        await sender.close()
        outside_server.shutdown()
        inside_server.shutdown()
    assert answer.status_code == 302  # a failed attempt, retried as any non-2xx answer is
    assert len(outside.on("/hook")) == 1
    assert inside.received == []
