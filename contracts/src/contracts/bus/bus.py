"""One service's connection to the event bus: publish events, consume them safely.

Closes the FastStream/nats-py traps listed in docs/architecture.md ("Delivery rules"):
- every publish names the stream (so there is a PubAck) and sets `Nats-Msg-Id = event_id`
  (so JetStream drops a re-published duplicate);
- acks are manual, decided per message by `Subscription` (see there);
- each subscription is a durable pull consumer taking one message at a time; every pod of a
  service binds the same durable, so pods share the work.
"""

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import structlog
from faststream.exceptions import IncorrectState
from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from nats.errors import ConnectionClosedError, ConnectionReconnectingError
from nats.js.api import ConsumerConfig
from nats.js.errors import NoStreamResponseError

from contracts import metrics
from contracts.bus import queries, replay
from contracts.bus.declare import check_streams, declare_consumer
from contracts.bus.subscription import E, Handler, Subscription
from contracts.bus.topology import Topology
from contracts.envelope import Event, Schema

R = TypeVar("R", bound=Schema)
log = structlog.get_logger("aitrain.bus")

# How long one pull request waits for a message before asking again.
_PULL_TIMEOUT_S = 5.0
# A publish that gets no PubAck (the stream's leader died and a NATS cluster elects another,
# which takes seconds) is sent again, about 20 s in all before giving up: the same
# Nats-Msg-Id makes a repeat that did get stored a duplicate JetStream drops.
_PUBLISH_RETRY_DELAYS_S = (0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0)


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
        for delay in (*_PUBLISH_RETRY_DELAYS_S, None):
            try:
                await publisher.publish(
                    event.model_dump(mode="json"),
                    headers={"Nats-Msg-Id": event.event_id},
                    correlation_id=event.correlation_id,
                )
                break
            except (NoStreamResponseError, TimeoutError) as exc:
                if delay is None:
                    raise
                log.warning("event.publish_retry", event_type=event.event_type, reason=repr(exc))
                await asyncio.sleep(delay)
        metrics.published(event)
        log.info("event.published", event_type=event.event_type, event_id=event.event_id)

    def subscribe(self, event: type[E], name: str) -> Callable[[Handler[E]], Handler[E]]:
        """Decorator: handle `event` on a durable pull consumer named `<service>-<name>`."""

        def register(handler: Handler[E]) -> Handler[E]:
            self.consume(name, {event: handler})
            return handler

        return register

    def consume(self, name: str, routes: Mapping[type[Event], Handler]) -> None:
        """One durable consumer `<service>-<name>` over several events, handled one at a time
        in stream order (what a ledger or a read model needs to be deterministic)."""
        durable = f"{self.service}-{name}"
        config = self.topology.consumer_config(durable, list(routes))
        self._consumers.append(config)
        subscription = Subscription(durable, routes, self.broker, self.topology)
        replay.answer(self, subscription)  # an operator may have its dead letters handled again

        async def on_message(msg: NatsMessage) -> None:
            await subscription.consume(msg)

        events = list(routes)
        self.broker.subscriber(
            self.topology.subject(events[0]) if len(events) == 1 else f"{self.topology.prefix}.>",
            stream=JStream(self.topology.event_stream, declare=False),
            durable=durable,
            config=config,
            pull_sub=PullSub(batch_size=1, timeout=_PULL_TIMEOUT_S),
            ack_policy=AckPolicy.MANUAL,
            title=f"{durable}:{'+'.join(event.__name__ for event in events)}",
            description="; ".join((h.__doc__ or "").strip() for h in routes.values()),
        )(on_message)

    def listen(self, event: type[E], handler: Callable[[E], Awaitable[None]]) -> None:
        """Every instance of this service sees each `event` as it is published: a plain NATS
        subscription, no durable, nothing redelivered. For waking up a waiting request, never
        for work that must happen exactly once (use `consume` for that)."""

        async def on_message(body: dict) -> None:
            await handler(event.model_validate(body))

        self.broker.subscriber(
            self.topology.subject(event),
            # the message's reply subject is its publisher's JetStream ack inbox: answering
            # it would race the server's PubAck (and the bus permissions refuse it)
            no_reply=True,
            title=f"{self.service}-listen:{event.__name__}",
            description=(handler.__doc__ or "").strip(),
        )(on_message)

    async def tell_replicas(self, key: str) -> None:
        """Every replica of this service (this one too) hears `key` at once: core NATS,
        nothing stored, so a note may be lost; for waking up, never for work."""
        await self.broker.publish(b"", self.topology.replica_subject(self.service, key))

    def hear_replicas(self, handler: Callable[[str], Awaitable[None]]) -> None:
        """Call `handler(key)` for each note `tell_replicas` sends (from any replica)."""
        prefix = self.topology.replica_subject(self.service, "")

        async def on_note(msg: NatsMessage) -> None:
            await handler(msg.raw_message.subject.removeprefix(prefix))

        self.broker.subscriber(
            f"{prefix}*",
            no_reply=True,
            title=f"{self.service}:replicas",
            description=(handler.__doc__ or "").strip(),
        )(on_note)

    def answers(self, query: str, request: type[Schema]) -> Callable:
        """Decorator: answer `<prefix>_query.<service>.<query>` (see contracts.bus.queries)."""
        return queries.answer(self, query, request)

    async def ask(
        self,
        service: str,
        query: str,
        request: Schema,
        reply: type[R],
        timeout_s: float = queries.TIMEOUT_S,
    ) -> R:
        """Ask another service's query and wait for its reply (QueryFailed otherwise)."""
        return await queries.ask(self, service, query, request, reply, timeout_s)

    async def prepare(self) -> None:
        """Connect, check the streams the bootstrap declared, declare our consumers.

        Run before the broker starts consuming (a FastStream app's lifespan does this).
        Raises TopologyMismatch when a stream is missing or has other settings.
        """
        await self.broker.connect()
        js = self.broker.config.connection_state.stream
        await check_streams(js, self.topology)
        for config in self._consumers:
            await declare_consumer(js, self.topology.event_stream, config)

    async def observe_consumers(self) -> None:
        """Set the lag gauges of this service's durable consumers from JetStream."""
        js = self.broker.config.connection_state.stream
        for config in self._consumers:
            info = await js.consumer_info(self.topology.event_stream, config.durable_name)
            metrics.CONSUMER_PENDING.labels(config.durable_name).set(info.num_pending or 0)
            metrics.CONSUMER_ACK_PENDING.labels(config.durable_name).set(info.num_ack_pending or 0)
            metrics.CONSUMER_WAITING.labels(config.durable_name).set(info.num_waiting or 0)

    def connected(self) -> bool:
        """Whether the bus connection is up now (a worker's health probe)."""
        try:
            return self.broker.config.connection_state.connection.is_connected
        except IncorrectState:  # never connected, or stopped
            return False

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
