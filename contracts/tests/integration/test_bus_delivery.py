"""Delivery semantics through the real NATS JetStream server (docs/architecture.md)."""

import asyncio

import nats
import pytest
from bus_helpers import dead_letters, eventually, uploaded

from contracts import causation
from contracts.bus import Delivery, EventBus, PermanentError, connect_bus
from contracts.events import DatasetUploaded, DatasetValidated
from contracts.events.common import DatasetReport, TrainingSpec

pytestmark = pytest.mark.integration


def new_bus(url, topology, name: str = "svc") -> EventBus:
    bus = connect_bus(name, url, topology)
    bus.produces(DatasetUploaded, DatasetValidated)
    return bus


async def test_same_event_id_published_twice_is_delivered_once(embedded, topology):
    bus = new_bus(embedded.nats_url, topology)
    seen: list[str] = []

    @bus.subscribe(DatasetUploaded, "count")
    async def count(event: DatasetUploaded, delivery: Delivery) -> None:
        seen.append(event.training_id)

    await bus.start()
    try:
        event = uploaded(1)
        await bus.publish(event)
        await bus.publish(event)  # a retry of the same publish, e.g. after a lost PubAck
        await bus.publish(uploaded(2))  # in-order marker: any duplicate would come before it
        await eventually(lambda: "trn-2" in seen)
        assert seen == ["trn-1", "trn-2"]
    finally:
        await bus.stop()


async def test_transient_error_is_redelivered_not_terminated(embedded, topology):
    bus = new_bus(embedded.nats_url, topology)
    attempts: list[int] = []
    handled: list[str] = []

    @bus.subscribe(DatasetUploaded, "flaky")
    async def flaky(event: DatasetUploaded, delivery: Delivery) -> None:
        attempts.append(delivery.attempt)
        if delivery.attempt == 1:
            raise ConnectionError("database hiccup")
        handled.append(event.training_id)

    await bus.start()
    try:
        await bus.publish(uploaded(1))
        await eventually(lambda: handled == ["trn-1"])
        assert attempts == [1, 2]
        assert await dead_letters(embedded.nats_url, topology) == []
    finally:
        await bus.stop()


async def test_invalid_payload_is_dead_lettered_and_consumer_keeps_going(embedded, topology):
    bus = new_bus(embedded.nats_url, topology)
    handled: list[str] = []

    @bus.subscribe(DatasetUploaded, "strict")
    async def strict(event: DatasetUploaded, delivery: Delivery) -> None:
        handled.append(event.training_id)

    await bus.start()
    try:
        nc = await nats.connect(embedded.nats_url)
        subject = topology.subject(DatasetUploaded)
        await nc.jetstream().publish(subject, b'{"training_id": 7}', stream=topology.event_stream)
        await nc.close()
        await bus.publish(uploaded(2))
        await eventually(lambda: handled == ["trn-2"])
        letters = await dead_letters(embedded.nats_url, topology)
        assert len(letters) == 1
        assert letters[0].consumer == "svc-strict"
        assert letters[0].subject == subject
        assert "invalid DatasetUploaded" in letters[0].reason
        assert "event_id" in letters[0].reason  # names the missing field
        assert letters[0].payload == '{"training_id": 7}'
    finally:
        await bus.stop()


async def test_permanent_error_and_spent_retries_are_dead_lettered(embedded, topology):
    bus = new_bus(embedded.nats_url, topology)
    attempts: dict[str, list[int]] = {"trn-1": [], "trn-2": []}

    @bus.subscribe(DatasetUploaded, "failing")
    async def failing(event: DatasetUploaded, delivery: Delivery) -> None:
        attempts[event.training_id].append(delivery.attempt)
        if event.training_id == "trn-1":
            raise PermanentError("keyword is not allowed")
        raise TimeoutError("storage keeps timing out")

    await bus.start()
    try:
        await bus.publish(uploaded(1))
        await bus.publish(uploaded(2))
        letters = []

        async def two_letters() -> bool:
            letters[:] = await dead_letters(embedded.nats_url, topology)
            return len(letters) == 2

        await eventually(two_letters)
        reasons = sorted(letter.reason for letter in letters)
        assert attempts["trn-1"] == [1]
        assert attempts["trn-2"] == [1, 2, 3]
        assert reasons[0].startswith("gave up: TimeoutError: storage keeps timing out")
        assert reasons[1] == "permanent error: keyword is not allowed"
    finally:
        await bus.stop()


async def test_outcome_events_carry_the_chain_and_a_replay_republishes_the_same_id(
    embedded, topology
):
    bus = new_bus(embedded.nats_url, topology)
    outcomes: list[DatasetValidated] = []

    @bus.subscribe(DatasetUploaded, "validate")
    async def validate(event: DatasetUploaded, delivery: Delivery) -> None:
        spec = TrainingSpec(
            training_type=event.training_type, keyword=event.keyword, images=[], dataset_hash="h"
        )
        await bus.publish(
            DatasetValidated.new(
                training_id=event.training_id,
                dataset_id=event.dataset_id,
                spec=spec,
                report=DatasetReport(),
            )
        )
        if delivery.attempt == 1:
            raise ConnectionError("crash after publishing, before the ack")

    @bus.subscribe(DatasetValidated, "downstream")
    async def downstream(event: DatasetValidated, delivery: Delivery) -> None:
        outcomes.append(event)

    await bus.start()
    try:
        cause = uploaded(1)
        await bus.publish(cause)
        await bus.publish(uploaded(2))
        await eventually(lambda: {o.training_id for o in outcomes} == {"trn-1", "trn-2"})
        await asyncio.sleep(0.5)  # room for a duplicate to show up, if dedupe failed
        first = [o for o in outcomes if o.training_id == "trn-1"]
        assert len(first) == 1  # handled twice, published twice, delivered once
        assert first[0].correlation_id == cause.correlation_id
        assert first[0].causation_id == cause.event_id
        assert first[0].account_id == cause.account_id
        assert causation.current() is None  # the handler's context did not leak out
    finally:
        await bus.stop()


async def test_one_consumer_handles_several_events_in_stream_order(embedded, topology):
    bus = new_bus(embedded.nats_url, topology)
    order: list[str] = []

    async def on_uploaded(event: DatasetUploaded, delivery: Delivery) -> None:
        order.append(f"uploaded {event.training_id}")

    async def on_validated(event: DatasetValidated, delivery: Delivery) -> None:
        order.append(f"validated {event.training_id}")

    bus.consume("ordered", {DatasetUploaded: on_uploaded, DatasetValidated: on_validated})
    await bus.start()
    try:
        spec = TrainingSpec(training_type="style", keyword="k", images=[], dataset_hash="h")
        for n in range(3):
            await bus.publish(uploaded(n))
            await bus.publish(
                DatasetValidated.new(
                    account_id="acct-1",
                    training_id=f"trn-{n}",
                    dataset_id=f"ds-{n}",
                    spec=spec,
                    report=DatasetReport(),
                )
            )
        await eventually(lambda: len(order) == 6)
        assert order == [f"{kind} trn-{n}" for n in range(3) for kind in ("uploaded", "validated")]
    finally:
        await bus.stop()


async def test_a_query_is_answered_once_and_a_failure_comes_back_as_such(embedded, topology):
    from contracts.bus import QueryFailed
    from contracts.queries.billing import AccountBalance, AccountQuery

    answering = [new_bus(embedded.nats_url, topology, name="billing") for _ in range(2)]
    answered: list[str] = []
    for bus in answering:

        @bus.answers("account", AccountQuery)
        async def account(query: AccountQuery) -> AccountBalance:
            if query.account_id == "broken":
                raise ConnectionError("ledger unreachable")
            answered.append(query.account_id)
            return AccountBalance(
                account_id=query.account_id, plan="free", credits=7, free_trainings=0
            )

        await bus.start()
    asking = new_bus(embedded.nats_url, topology, name="gateway")
    await asking.start()
    try:
        reply = await asking.ask(
            "billing", "account", AccountQuery(account_id="a1"), AccountBalance
        )
        assert (reply.account_id, reply.credits) == ("a1", 7)
        assert answered == ["a1"]  # two answering processes, one answer
        with pytest.raises(QueryFailed, match="ledger unreachable"):
            await asking.ask(
                "billing", "account", AccountQuery(account_id="broken"), AccountBalance
            )
        with pytest.raises(QueryFailed, match="did not answer"):
            await asking.ask("trainer", "account", AccountQuery(account_id="a1"), AccountBalance)
    finally:
        for bus in [*answering, asking]:
            await bus.stop()
