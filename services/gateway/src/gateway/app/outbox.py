"""Publishing what a state change announces, exactly when the change was saved.

A use case saves its change and the events announcing it in one document write, then calls
`send`: the events go out at once and are marked sent. If the bus refuses them, the write is
undone (unless the relay published them meanwhile) and the user gets a 503: nothing happened.
If the process dies in between, `relay` — run at start-up and then every RELAY_EVERY_S by each
replica — claims what is still pending and publishes it; a claimed write can no longer be
undone, so a 503 never hides a published fact. A publish without an answer (timeout) is not
undone either: the relay sends it again. Events carry `Nats-Msg-Id = event_id`, so a double
publish (relay and request racing, or two replicas) is dropped by JetStream.
"""

import asyncio
import uuid

import structlog

from contracts.envelope import Event
from gateway import faults
from gateway.domain.errors import Unavailable
from gateway.ports import Outboxed, Outgoing, Publisher

log = structlog.get_logger(__name__)
RELAY_GRACE_S = 5.0  # a request publishing its own events is not raced by the relay
RELAY_EVERY_S = 1.0


def outgoing(*events: Event) -> Outgoing:
    return Outgoing(batch=uuid.uuid4().hex, events=list(events))


class Outbox:
    def __init__(self, publisher: Publisher, stores: list[Outboxed]):
        self.publisher, self.stores = publisher, stores

    async def send(
        self, store: Outboxed, record_id: str, out: Outgoing, undo: dict, refusal: str
    ) -> None:
        """Publish now; if the bus refuses, undo the change and raise Unavailable(refusal)."""
        faults.reach("gateway.saved_not_published")
        try:
            for event in out.events:
                await self.publisher.publish(event)
        except TimeoutError:
            # no answer: the bus may have stored it. Undoing could contradict a published
            # fact, so the write stands and the relay publishes it (a copy is dropped).
            log.warning("gateway.publish_unconfirmed", record_id=record_id)
            return
        except Exception as exc:
            log.warning("gateway.publish_failed", record_id=record_id, error=repr(exc))
            if await store.cancel(record_id, out.batch, undo):
                raise Unavailable(refusal) from exc
            return  # a relay claimed them meanwhile: they are published, the change stands
        await store.mark_sent(record_id, out.batch)

    async def relay(self, older_than_s: float = RELAY_GRACE_S) -> int:
        """Publish every pending write older than `older_than_s`; how many were sent."""
        sent = 0
        for store in self.stores:
            for pending in await store.pending(older_than_s):
                try:
                    for event in pending.outgoing.events:
                        await self.publisher.publish(event)
                except Exception as exc:  # noqa: BLE001 — its claim lapses: a later round
                    log.warning(
                        "gateway.outbox_relay_failed", record_id=pending.record_id, error=repr(exc)
                    )
                    continue
                await store.mark_sent(pending.record_id, pending.outgoing.batch)
                log.info("gateway.outbox_relayed", record_id=pending.record_id)
                sent += 1
        return sent

    async def run(self, every_s: float = RELAY_EVERY_S) -> None:
        """Relay forever (a task of the app's lifespan); a failing round is retried."""
        while True:
            try:
                await self.relay()
            except Exception as exc:  # noqa: BLE001 — the bus or database is away: next round
                log.warning("gateway.outbox_relay_failed", error=repr(exc))
            await asyncio.sleep(every_s)
