"""The bus trusts no stranger: the embedded NATS server with the users `make run` writes
(contracts.bus.permissions). No credentials, no connection; each service publishes its own
events and nobody else's; no service deletes a stream; a reader has consumers of its own
and cannot touch the services'."""

import asyncio
from collections.abc import Iterator

import nats
import pytest
from nats.errors import Error as NatsError
from nats.js.api import ConsumerConfig

from aitrain_local.testing import secured_nats
from contracts.bus import Topology, bootstrap
from contracts.bus.permissions import DURABLES, PUBLISHES, SERVICES

TOPOLOGY = Topology(prefix="perm")
EVERY_EVENT = sorted({event for events in PUBLISHES.values() for event in events}, key=str)


@pytest.fixture(scope="module")
def secured(tmp_path_factory) -> Iterator[tuple[str, dict[str, str]]]:
    with secured_nats(tmp_path_factory.mktemp("secured-nats"), TOPOLOGY) as server:
        yield server


class Session:
    """One user's connection, collecting the permission errors the server sends back."""

    def __init__(self, url: str, users: dict[str, str], user: str):
        self.url, self.user, self.password = url, user, users[user]
        self.refused: list[str] = []

    async def __aenter__(self):
        async def on_error(error: Exception) -> None:
            self.refused.append(str(error))

        self.nc = await nats.connect(
            self.url, user=self.user, password=self.password, error_cb=on_error
        )
        return self

    async def __aexit__(self, *_):
        await self.nc.close()

    async def publish_all(self, subjects: list[str]) -> list[str]:
        """Publish to each subject; the ones the server refused."""
        self.refused.clear()
        for subject in subjects:
            await self.nc.publish(subject, b"{}")
        await self.nc.flush()
        await asyncio.sleep(0.5)  # violations come back asynchronously
        said = " ".join(self.refused).lower()  # nats-py lower-cases the server's message
        return sorted(s for s in subjects if f'"{s.lower()}"' in said)


async def test_without_credentials_there_is_no_connection(secured):
    url, _ = secured
    with pytest.raises(NatsError):
        await nats.connect(url, allow_reconnect=False, max_reconnect_attempts=0)
    with pytest.raises(NatsError):
        await nats.connect(
            url, user="billing", password="guess", allow_reconnect=False, max_reconnect_attempts=0
        )


async def test_each_service_publishes_its_own_events_and_no_other(secured):
    url, users = secured
    async with Session(url, users, "admin") as admin:
        await bootstrap(admin.nc.jetstream(), TOPOLOGY)
    for service in SERVICES:
        own = {TOPOLOGY.subject(event) for event in PUBLISHES[service]}
        others = sorted(TOPOLOGY.subject(e) for e in EVERY_EVENT if TOPOLOGY.subject(e) not in own)
        async with Session(url, users, service) as session:
            for subject in own:  # stored and acknowledged by JetStream
                ack = await session.nc.jetstream().publish(subject, b"{}")
                assert ack.stream == TOPOLOGY.event_stream
            assert await session.publish_all(others) == others, service


async def test_no_service_deletes_or_purges_a_stream_or_uses_another_s_consumer(secured):
    url, users = secured
    stream = TOPOLOGY.event_stream
    async with Session(url, users, "admin") as admin:
        await bootstrap(admin.nc.jetstream(), TOPOLOGY)
    async with Session(url, users, "gateway") as gateway:
        dangerous = [
            f"$JS.API.STREAM.DELETE.{stream}",
            f"$JS.API.STREAM.PURGE.{stream}",
            f"$JS.API.CONSUMER.DELETE.{stream}.billing-ledger",
            f"$JS.API.CONSUMER.CREATE.{stream}.billing-ledger",
            f"$JS.API.CONSUMER.MSG.NEXT.{stream}.billing-ledger",
            f"$JS.ACK.{stream}.billing-ledger.1.1.1.1.1",
            TOPOLOGY.dead_letter_subject("billing-ledger"),
            f"$JS.API.STREAM.DELETE.{TOPOLOGY.dead_letter_stream}",
            f"$JS.API.STREAM.PURGE.{TOPOLOGY.dead_letter_stream}",
        ]
        assert await gateway.publish_all(dangerous) == sorted(dangerous)
    async with Session(url, users, "admin") as admin:
        info = await admin.nc.jetstream().stream_info(stream)  # still there
        assert info.config.name == stream


async def test_a_reader_reads_with_its_own_consumer_and_publishes_nothing(secured):
    url, users = secured
    async with Session(url, users, "admin") as admin:
        js = admin.nc.jetstream()
        await bootstrap(js, TOPOLOGY)
        await js.publish(TOPOLOGY.subject(EVERY_EVENT[0]), b'{"seen": 1}')
    async with Session(url, users, "reader") as reader:
        js = reader.nc.jetstream()
        await js.add_consumer(TOPOLOGY.event_stream, ConsumerConfig(durable_name="analytics"))
        pulled = await js.pull_subscribe("", durable="analytics", stream=TOPOLOGY.event_stream)
        [message] = (await pulled.fetch(1, timeout=5))[:1]
        await message.ack()
        theirs = [d for durables in DURABLES.values() for d in durables]
        stream = TOPOLOGY.event_stream
        refused = [f"$JS.API.CONSUMER.DELETE.{stream}.{d}" for d in theirs]
        refused += [TOPOLOGY.subject(event) for event in EVERY_EVENT]
        dead_letters = TOPOLOGY.dead_letter_stream
        refused += [f"$JS.API.STREAM.MSG.{a}.{dead_letters}" for a in ("GET", "DELETE")]
        refused += [TOPOLOGY.replay_subject("billing-ledger")]
        assert await reader.publish_all(refused) == sorted(refused)


async def test_gateway_replicas_share_rate_limits_in_a_key_value_bucket(secured):
    from contracts.bus import connect_bus
    from gateway.adapters.kv_rate_limits import KvRateLimits
    from gateway.domain.rate_limits import Rule

    url, users = secured
    async with Session(url, users, "admin") as admin:
        await bootstrap(admin.nc.jetstream(), TOPOLOGY)
    replicas = []
    for _ in range(2):
        bus = connect_bus("gateway", url, TOPOLOGY, username="gateway", password=users["gateway"])
        await bus.broker.connect()
        limits = KvRateLimits(bus)
        await limits.open()  # both bind the bucket the bootstrap made
        replicas.append((bus, limits))
    rule = Rule("test", limit=60, period_s=60.0, burst=3)
    try:
        verdicts = [await limits.take("key:k1", rule, 1000.0) for _, limits in replicas * 2]
        assert [v.allowed for v in verdicts] == [True, True, True, False]
        assert [v.remaining for v in verdicts[:3]] == [2, 1, 0]
    finally:
        for bus, _ in replicas:
            await bus.broker.stop()


async def test_the_gateway_has_a_dead_letter_replayed_by_the_service_that_owns_it(secured):
    from bus_helpers import eventually, uploaded

    from contracts.bus import DeadLetters, PermanentError, connect_bus
    from contracts.bus.replay import ask
    from contracts.events import DatasetUploaded

    url, users = secured
    async with Session(url, users, "admin") as admin:
        await bootstrap(admin.nc.jetstream(), TOPOLOGY)
    handled: list[str] = []

    async def check(event: DatasetUploaded, delivery) -> None:
        if not handled:
            handled.append("refused once")
            raise PermanentError("not this time")
        handled.append(event.event_id)

    def bus_of(user: str):
        return connect_bus(user, url, TOPOLOGY, username=user, password=users[user])

    # dataset answers no queries: its answer to a replay rests on allow_responses alone
    dataset, gateway = bus_of("dataset"), bus_of("gateway")
    dataset.consume("dataset-uploaded", {DatasetUploaded: check})
    gateway.produces(DatasetUploaded)
    await dataset.start()
    await gateway.broker.connect()
    try:
        event = uploaded(1)
        await gateway.publish(event)
        letters = DeadLetters(gateway.broker, TOPOLOGY)  # the gateway reads them
        await eventually(lambda: _letter_of(letters, event.event_id))
        letter_id = await _letter_of(letters, event.event_id)
        durable = "dataset-dataset-uploaded"
        answer = await ask(gateway, durable, letter_id, 10.0)  # dataset answers it
        assert answer.outcome == "handled"
        assert handled == ["refused once", event.event_id]
        assert await letters.get(letter_id) is None  # dataset dropped the letter it handled
    finally:
        for bus in (dataset, gateway):
            await bus.stop()
    async with Session(url, users, "billing") as billing:  # only the gateway asks for replays
        replay = TOPOLOGY.replay_subject(durable)
        assert await billing.publish_all([replay]) == [replay]
        billing.refused.clear()
        await billing.nc.subscribe(replay)  # nor listens on another service's replays
        await billing.nc.flush()
        await asyncio.sleep(0.5)
        assert any("subscription" in error.lower() for error in billing.refused)


async def _letter_of(letters, event_id: str) -> int | None:
    """The id of the dead letter of this event (earlier tests parked others)."""
    for letter_id, letter in await letters.newest(100):
        if event_id in letter.payload:
            return letter_id
    return None
