"""Webhook delivery: the announcer turns a bus event into one delivery per endpoint that wants
it; the dispatcher (every replica, every second) claims due deliveries, sends them signed,
keeps each attempt, and schedules the next one until the message is delivered or its day of
retries is spent — then the endpoint is disabled, with the reason shown to its account.

At least once: a delivery's id derives from (event, endpoint), so a redelivered event adds
nothing, and a dispatcher that dies mid-send leaves its claim to lapse and be sent again
(receivers drop a repeated `webhook-id`)."""

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import structlog

from contracts.bus import Delivery as BusDelivery
from contracts.envelope import Event
from gateway.domain import signing, webhook_urls
from gateway.domain.announcements import announcement
from gateway.domain.webhooks import (
    KEEP_LOG_S,
    RETRY_SCHEDULE_S,
    Attempt,
    Delivery,
    after_attempt,
    give_up_reason,
)
from gateway.ports import Trainings, WebhookDeliveries, WebhookEndpoints, WebhookSender

log = structlog.get_logger(__name__)
ID_SPACE = uuid.UUID("5b0f7a52-4c1e-4f0e-9a57-6d0a3c2be1a1")
LEASE_S = 60.0  # longer than one attempt (the sender's timeout), so two never overlap
BATCH = 20
SWEEP_EVERY_S = 3600.0


def _delivery_id(event_id: str, endpoint_id: str) -> str:
    """The same event for the same endpoint is the same message."""
    return f"msg_{uuid.uuid5(ID_SPACE, f'{event_id}:{endpoint_id}').hex}"


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Announcer:
    endpoints: WebhookEndpoints
    deliveries: WebhookDeliveries
    trainings: Trainings
    public_url: str

    async def on_event(self, event: Event, delivery: BusDelivery | None = None) -> None:
        """One delivery per endpoint of the account that wants what the event announces."""
        said = announcement(event)
        if said is None:
            return
        wanting = [
            e for e in await self.endpoints.of_account(event.account_id) if e.wants(said.type)
        ]
        if not wanting:
            return
        data = said.data | {"url": self.public_url.rstrip("/") + said.path}
        if "training_id" in data and "keyword" not in data:  # the record names it
            training = await self.trainings.find(data["training_id"])
            data["keyword"] = training.keyword if training else None
        body = {"type": said.type, "timestamp": _iso(event.occurred_at.timestamp()), "data": data}
        for endpoint in wanting:
            await self.deliveries.add(
                Delivery(
                    delivery_id=_delivery_id(event.event_id, endpoint.endpoint_id),
                    endpoint_id=endpoint.endpoint_id,
                    account_id=event.account_id,
                    type=said.type,
                    body=json.dumps(body, separators=(",", ":")),
                    created_at=time.time(),
                    next_at=time.time(),
                )
            )


@dataclass
class Dispatcher:
    endpoints: WebhookEndpoints
    deliveries: WebhookDeliveries
    sender: WebhookSender
    schedule: tuple[float, ...] = RETRY_SCHEDULE_S

    async def round(self, now: float | None = None) -> int:
        """Send every due delivery once; how many were tried."""
        now = time.time() if now is None else now
        due = await self.deliveries.claim_due(now, LEASE_S, BATCH)
        await asyncio.gather(*(self._send(delivery, now) for delivery in due))
        return len(due)

    async def run(self, every_s: float = 1.0) -> None:
        """Dispatch forever (a task of the app's lifespan); old logs are swept hourly."""
        swept = 0.0
        while True:
            try:
                while await self.round() == BATCH:
                    pass  # more are due: no pause
                if time.time() - swept > SWEEP_EVERY_S:
                    await self.deliveries.forget_older_than(time.time() - KEEP_LOG_S)
                    swept = time.time()
            except Exception as exc:  # noqa: BLE001 — the database is away: next round
                log.warning("gateway.webhooks_round_failed", error=repr(exc))
            await asyncio.sleep(every_s)

    async def _send(self, delivery: Delivery, now: float) -> None:
        """One attempt, made at `now` (its signature's timestamp, its schedule's start)."""
        endpoint = await self.endpoints.find(delivery.endpoint_id)
        if endpoint is None or not endpoint.enabled:
            why = "endpoint deleted" if endpoint is None else "endpoint disabled"
            await self.deliveries.settle(replace(delivery, state="failed", last_error=why))
            return
        body = delivery.body.encode()
        headers = signing.headers(endpoint.secret, delivery.delivery_id, int(now), body)
        answer = await self.sender.post(
            webhook_urls.parse(endpoint.url), endpoint.url, headers, body
        )
        attempt = Attempt(
            attempt_id=f"{delivery.delivery_id}:{delivery.attempts + 1}",
            delivery_id=delivery.delivery_id,
            endpoint_id=endpoint.endpoint_id,
            account_id=delivery.account_id,
            at=now,
            status_code=answer.status_code,
            error=answer.error,
            duration_ms=answer.duration_ms,
        )
        await self.deliveries.add_attempt(attempt)
        outcome = after_attempt(attempt, delivery.attempts, self.schedule)
        settled = replace(
            delivery,
            state=outcome.state,
            attempts=delivery.attempts + 1,
            next_at=outcome.next_at,
            last_status=answer.status_code,
            last_error=answer.error,
        )
        await self.deliveries.settle(settled)
        log.info(
            "gateway.webhook_attempt",
            delivery_id=delivery.delivery_id,
            endpoint_id=endpoint.endpoint_id,
            status_code=answer.status_code,
            error=answer.error,
            state=outcome.state,
        )
        if outcome.gives_up:
            reason = give_up_reason(settled.attempts, self.schedule, attempt)
            disabled = replace(
                endpoint, enabled=False, disabled_reason=reason, disabled_at=time.time()
            )
            await self.endpoints.save(disabled)
            log.warning("gateway.webhook_endpoint_disabled", endpoint_id=endpoint.endpoint_id)
