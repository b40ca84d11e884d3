"""Webhook endpoints and deliveries in memory, and a sender that plays the receivers, for
unit tests (gateway/fakes.py wires them in)."""

import dataclasses
import ipaddress
import uuid

from gateway.domain.webhook_urls import Target, refusal
from gateway.domain.webhooks import PENDING, Attempt, Delivery, Endpoint
from gateway.ports import Answer


class MemoryWebhookEndpoints:
    def __init__(self) -> None:
        self.endpoints: dict[str, Endpoint] = {}

    async def add(self, endpoint: Endpoint) -> None:
        self.endpoints.setdefault(endpoint.endpoint_id, dataclasses.replace(endpoint))

    async def get(self, account_id: str, endpoint_id: str) -> Endpoint | None:
        found = await self.find(endpoint_id)
        return found if found and found.account_id == account_id else None

    async def find(self, endpoint_id: str) -> Endpoint | None:
        found = self.endpoints.get(endpoint_id)
        return dataclasses.replace(found) if found else None

    async def of_account(self, account_id: str) -> list[Endpoint]:
        mine = [e for e in self.endpoints.values() if e.account_id == account_id]
        return [dataclasses.replace(e) for e in sorted(mine, key=lambda e: e.created_at)]

    async def save(self, endpoint: Endpoint) -> None:
        if endpoint.endpoint_id in self.endpoints:
            self.endpoints[endpoint.endpoint_id] = dataclasses.replace(endpoint)

    async def delete(self, account_id: str, endpoint_id: str) -> bool:
        if await self.get(account_id, endpoint_id) is None:
            return False
        del self.endpoints[endpoint_id]
        return True


class MemoryWebhookDeliveries:
    def __init__(self) -> None:
        self.deliveries: dict[str, Delivery] = {}
        self.attempts: list[Attempt] = []

    async def add(self, delivery: Delivery) -> bool:
        if delivery.delivery_id in self.deliveries:
            return False
        self.deliveries[delivery.delivery_id] = dataclasses.replace(delivery)
        return True

    async def claim_due(self, now: float, lease_s: float, limit: int) -> list[Delivery]:
        due = [d for d in self.deliveries.values() if d.state == PENDING and d.next_at <= now]
        claimed = []
        for delivery in sorted(due, key=lambda d: d.next_at)[:limit]:
            delivery.next_at, delivery.claim = now + lease_s, uuid.uuid4().hex
            claimed.append(dataclasses.replace(delivery))
        return claimed

    async def settle(self, delivery: Delivery) -> None:
        held = self.deliveries.get(delivery.delivery_id)
        if held and held.state == PENDING and held.claim == delivery.claim:
            self.deliveries[delivery.delivery_id] = dataclasses.replace(delivery)

    async def add_attempt(self, attempt: Attempt) -> None:
        if all(a.attempt_id != attempt.attempt_id for a in self.attempts):
            self.attempts.append(attempt)

    async def get(self, account_id: str, delivery_id: str) -> Delivery | None:
        found = self.deliveries.get(delivery_id)
        return dataclasses.replace(found) if found and found.account_id == account_id else None

    async def of_endpoint(self, account_id: str, endpoint_id: str, limit: int) -> list[Delivery]:
        mine = [
            d
            for d in self.deliveries.values()
            if d.account_id == account_id and d.endpoint_id == endpoint_id
        ]
        return sorted(mine, key=lambda d: d.created_at, reverse=True)[:limit]

    async def attempts_of(self, delivery_ids: list[str]) -> list[Attempt]:
        return [a for a in self.attempts if a.delivery_id in delivery_ids]

    async def forget(self, endpoint_id: str) -> None:
        self.deliveries = {k: d for k, d in self.deliveries.items() if d.endpoint_id != endpoint_id}
        self.attempts = [a for a in self.attempts if a.endpoint_id != endpoint_id]

    async def forget_older_than(self, at: float) -> int:
        old = {k for k, d in self.deliveries.items() if d.created_at < at}
        self.deliveries = {k: d for k, d in self.deliveries.items() if k not in old}
        self.attempts = [a for a in self.attempts if a.delivery_id not in old]
        return len(old)


class ScriptedSender:
    """Plays the internet: `hosts` maps a host to its addresses (unknown hosts resolve to a
    public one), `answers` maps a URL to the status codes it answers in turn (200 once
    they run out; None: no answer). `sent` keeps every request (url, headers, body)."""

    def __init__(self, allowed: str = "") -> None:
        self.hosts: dict[str, list[str]] = {}
        self.answers: dict[str, list[int | None]] = {}
        self.sent: list[tuple[str, dict, bytes]] = []
        self.allowed = tuple(ipaddress.ip_network(n) for n in allowed.split(",") if n)

    async def refusal(self, target: Target) -> str | None:
        try:
            found = [str(ipaddress.ip_address(target.host))]  # an address resolves to itself
        except ValueError:
            found = self.hosts.get(target.host, ["93.184.216.34"])
        return refusal(target, [ipaddress.ip_address(a) for a in found], self.allowed)

    async def post(self, target: Target, url: str, headers: dict, body: bytes) -> Answer:
        if refused := await self.refusal(target):
            return Answer(None, refused, 0)
        self.sent.append((url, headers, body))
        queue = self.answers.get(url, [])
        status = queue.pop(0) if queue else 200
        return Answer(status, None if status else "timed out after 10 s", 3)
