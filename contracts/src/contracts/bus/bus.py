"""One service's connection to the event bus: publish events, consume them safely.

Closes the FastStream/nats-py traps listed in ARCHITECTURE §4:
- every publish names the stream (so there is a PubAck) and sets `Nats-Msg-Id = event_id`
  (so JetStream drops a re-published duplicate);
- acks are manual: success acks; a malformed payload or `PermanentError` goes to the dead
  letters with its reason, then acks; any other error nacks with a delay (redelivered), and
  after the last attempt the message is dead-lettered — never silently dropped;
- each subscription is a durable pull consumer taking one message at a time; every pod of a
  service binds the same durable, so pods share the work.
"""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import structlog
from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from nats.errors import ConnectionClosedError, ConnectionReconnectingError, NotJSMessageError
from nats.js.api import ConsumerConfig
from pydantic import ValidationError

from contracts import causation
from contracts.bus import policy
from contracts.bus.dead_letter import DeadLetter
from contracts.bus.declare import declare_consumer, declare_streams
from contracts.bus.delivery import Delivery
from contracts.bus.topology import Topology
from contracts.envelope import Event

E = TypeVar("E", bound=Event)
Handler = Callable[[E, Delivery], Awaitable[None]]

log = structlog.get_logger("aitrain.bus")

# How long one pull request waits for a message before asking again.
_PULL_TIMEOUT_S = 5.0


class EventBus:
    def __init__(self, service: str, broker: NatsBroker, topology: Topology) -> None:
        self.service = service
        self.broker = broker
        self.topology = topology
        self._consumers: list[ConsumerConfig] = []
        self._publishers: dict[type[Event], Any] = {}

    def produces(self, *events: type[Event]) -> None:
        """Declare what this service publishes (also documents it in the AsyncAPI file)."""
        for event in events:
            self._publishers[event] = self.broker.publisher(
                self.topology.subject(event),
                stream=JStream(self.topology.event_stream, declare=False),
                schema=event,
                title=f"{self.service}:{event.__name__}",
                description=(event.__doc__ or "").strip(),
            )

    async def publish(self, event: Event) -> None:
        publisher = self._publishers.get(type(event))
        if publisher is None:
            raise LookupError(f"{self.service} does not declare that it produces {type(event)}")
        await publisher.publish(
            event.model_dump(mode="json"),
            headers={"Nats-Msg-Id": event.event_id},
            correlation_id=event.correlation_id,
        )
        log.info("event.published", event_type=event.event_type, event_id=event.event_id)

    def subscribe(self, event: type[E], name: str) -> Callable[[Handler[E]], Handler[E]]:
        """Register `handler` on a durable pull consumer named `<service>-<name>`."""
        durable = f"{self.service}-{name}"
        config = self.topology.consumer_config(durable, event)
        self._consumers.append(config)

        def register(handler: Handler[E]) -> Handler[E]:
            async def on_message(msg: NatsMessage) -> None:
                try:
                    await self._consume(msg, event, durable, handler)
                except Exception:
                    # Not even a verdict could be applied (e.g. the server went away): the
                    # message stays unacked and JetStream redelivers it after ack_wait.
                    log.exception("event.unsettled", consumer=durable)

            self.broker.subscriber(
                self.topology.subject(event),
                stream=JStream(self.topology.event_stream, declare=False),
                durable=durable,
                config=config,
                pull_sub=PullSub(batch_size=1, timeout=_PULL_TIMEOUT_S),
                ack_policy=AckPolicy.MANUAL,
                title=f"{durable}:{event.__name__}",
                description=(handler.__doc__ or "").strip(),
            )(on_message)
            return handler

        return register

    async def prepare(self) -> None:
        """Connect, declare the streams and our consumers, and check their settings.

        Run before the broker starts consuming (a FastStream app's lifespan does this).
        """
        await self.broker.connect()
        js = self.broker.config.connection_state.stream
        await declare_streams(js, self.topology)
        for config in self._consumers:
            await declare_consumer(js, self.topology.event_stream, config)

    async def start(self) -> None:
        await self.prepare()
        await self.broker.start()

    async def stop(self) -> None:
        try:
            await self.broker.stop()  # drains: in-flight handlers finish and ack first
        except (ConnectionReconnectingError, ConnectionClosedError):
            # The server is away; nothing can be drained. Unacked messages are redelivered.
            connection = self.broker.config.connection_state.connection
            await connection.close()

    async def _consume(self, msg, event: type[E], durable: str, handler: Handler[E]) -> None:
        attempt, _ = _delivery_info(msg)
        limits = self.topology.consumers
        with structlog.contextvars.bound_contextvars(consumer=durable, attempt=attempt):
            if parked := policy.before_handling(attempt, limits):
                return await self._apply(msg, durable, parked)
            try:
                received = event.model_validate_json(msg.body)
            except ValidationError as exc:
                invalid = policy.Park(f"invalid {event.__name__}: {exc}")
                return await self._apply(msg, durable, invalid)
            cause = causation.Cause(received.event_id, received.correlation_id, received.account_id)
            with (
                causation.handling(cause),
                structlog.contextvars.bound_contextvars(event_type=received.event_type),
            ):
                error = None
                try:
                    await handler(received, Delivery(msg, attempt, limits.ack_wait_s))
                except Exception as exc:
                    log.warning("event.handler_failed", exc_info=exc)
                    error = exc
                await self._apply(msg, durable, policy.after_handling(error, attempt, limits))

    async def _apply(self, msg, durable: str, verdict: policy.Verdict) -> None:
        match verdict:
            case policy.Ack():
                await msg.ack()
                log.info("event.handled")
            case policy.Retry(delay_s=delay, reason=reason):
                log.warning("event.retry", reason=reason, delay_s=delay)
                await msg.nack(delay=delay)
            case policy.Park(reason=reason):
                await self._dead_letter(msg, durable, reason)

    async def _dead_letter(self, msg, durable: str, reason: str) -> None:
        """Park the message with its reason; only then ack it (a failed park redelivers)."""
        attempt, stream_sequence = _delivery_info(msg)
        letter = DeadLetter(
            consumer=durable,
            subject=msg.raw_message.subject,
            stream_sequence=stream_sequence,
            deliveries=attempt,
            reason=reason,
            payload=msg.body.decode("utf-8", errors="replace"),
            failed_at=datetime.now(UTC),
        )
        await self.broker.publish(
            letter.model_dump(mode="json"),
            self.topology.dead_letter_subject(durable),
            stream=self.topology.dead_letter_stream,
            headers={"Nats-Msg-Id": f"{durable}:{stream_sequence}"},
        )
        await msg.ack()
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
