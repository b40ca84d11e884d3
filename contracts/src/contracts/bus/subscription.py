"""One durable consumer's handling of each message: decode, handle, settle.

Success acks. A malformed payload or `PermanentError` goes to the dead letters with its
reason, then is acked; any other error nacks with a delay (JetStream redelivers), and after
the last attempt the message is dead-lettered — never silently dropped.
"""

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import TypeVar

import structlog
from faststream.nats import NatsBroker
from faststream.nats.message import NatsMessage
from nats.errors import NotJSMessageError
from pydantic import ValidationError

from contracts import causation, metrics
from contracts.bus import policy
from contracts.bus.dead_letter import DeadLetter
from contracts.bus.dead_letters import DeadLetters
from contracts.bus.delivery import Delivery
from contracts.bus.topology import Topology
from contracts.envelope import Event

E = TypeVar("E", bound=Event)
Handler = Callable[[E, Delivery], Awaitable[None]]
Settle = Callable[[policy.Verdict], Awaitable[None]]

log = structlog.get_logger("aitrain.bus")


class Subscription:
    """Routes each message of one durable consumer, by subject, to its event's handler."""

    def __init__(
        self,
        durable: str,
        routes: Mapping[type[Event], Handler],
        broker: NatsBroker,
        topology: Topology,
    ) -> None:
        self.durable = durable
        self.routes = {topology.subject(event): (event, h) for event, h in routes.items()}
        self.broker = broker
        self.topology = topology
        self.letters = DeadLetters(broker, topology)

    async def consume(self, msg: NatsMessage) -> None:
        try:
            await self._consume(msg)
        except Exception:
            # Not even a verdict could be applied (e.g. the server went away): the message
            # stays unacked and JetStream redelivers it after ack_wait.
            log.exception("event.unsettled", consumer=self.durable)

    async def _consume(self, msg: NatsMessage) -> None:
        attempt, _ = _delivery_info(msg)
        limits = self.topology.consumers
        with structlog.contextvars.bound_contextvars(consumer=self.durable, attempt=attempt):
            if parked := policy.before_handling(attempt, limits):
                return await self._apply(msg, parked)
            delivery = Delivery(msg, attempt, limits.ack_wait_s)
            settle = partial(self._apply, msg)
            await self.handle(msg.raw_message.subject, msg.body, delivery, settle)

    async def handle(self, subject: str, body: bytes, delivery: Delivery, settle: Settle) -> None:
        """Decode a message by its subject, run its event's handler, and `settle` the verdict.

        Consuming settles on the JetStream message; replaying a dead letter settles on the
        letter (contracts.bus.replay). The verdict is settled inside the event's context, so
        its log lines name the event and its events derive from the same cause either way.
        """
        route = self.routes.get(subject)
        if route is None:
            return await settle(policy.Park(f"no handler for subject {subject}"))
        event, handler = route
        try:
            received = event.model_validate_json(body)
        except ValidationError as exc:
            return await settle(policy.Park(f"invalid {event.__name__}: {exc}"))
        cause = causation.Cause(received.event_id, received.correlation_id, received.account_id)
        with (
            causation.handling(cause),
            structlog.contextvars.bound_contextvars(event_type=received.event_type),
        ):
            error = None
            try:
                with metrics.EVENT_SECONDS.labels(self.durable).time():
                    await handler(received, delivery)
            except Exception as exc:
                log.warning("event.handler_failed", exc_info=exc)
                error = exc
            await settle(policy.after_handling(error, delivery.attempt, self.topology.consumers))

    async def _apply(self, msg: NatsMessage, verdict: policy.Verdict) -> None:
        match verdict:
            case policy.Ack():
                await msg.ack()
                metrics.EVENTS.labels(self.durable, "handled").inc()
                log.info("event.handled")
            case policy.Retry(delay_s=delay, reason=reason):
                log.warning("event.retry", reason=reason, delay_s=delay)
                await msg.nack(delay=delay)
                metrics.EVENTS.labels(self.durable, "retried").inc()
            case policy.Park(reason=reason):
                await self._dead_letter(msg, reason)

    async def _dead_letter(self, msg: NatsMessage, reason: str) -> None:
        """Park the message with its reason; only then ack it (a failed park redelivers)."""
        attempt, stream_sequence = _delivery_info(msg)
        letter = DeadLetter(
            consumer=self.durable,
            subject=msg.raw_message.subject,
            stream_sequence=stream_sequence,
            deliveries=attempt,
            reason=reason,
            payload=msg.body.decode("utf-8", errors="replace"),
            failed_at=datetime.now(UTC),
        )
        await self.letters.park(letter, f"{self.durable}:{stream_sequence}")
        await msg.ack()
        metrics.EVENTS.labels(self.durable, "dead_lettered").inc()
        log.error("event.dead_lettered", reason=reason)


def _delivery_info(msg) -> tuple[int, int]:
    """(delivery attempt, stream sequence) of a JetStream message.

    FastStream's in-memory TestNatsBroker delivers plain messages without JetStream
    metadata; they count as a first delivery, so unit tests can drive subscribers.
    """
    try:
        meta = msg.raw_message.metadata
    except NotJSMessageError:
        return 1, 0
    return meta.num_delivered, meta.sequence.stream
