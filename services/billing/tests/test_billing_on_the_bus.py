"""Billing as it runs: real NATS JetStream, real MongoDB wire protocol, its own processes'
code path (FastStream app, ordered durable consumer, queries)."""

import asyncio
import json
from contextlib import asynccontextmanager

import billing_events as ev
import nats
import pytest
from bus_helpers import eventually, running

from billing.config import Settings
from billing.main import create_app
from contracts.bus import Delivery, EventBus, connect_bus
from contracts.bus.bootstrap import bootstrap_at
from contracts.events import (
    ALL_EVENTS,
    CreditsDebited,
    CreditsDebitRejected,
    CreditsPurchased,
    CreditsRefunded,
    DatasetValidated,
    GenerationFailed,
    GenerationRequested,
    ImageGenerated,
    SubscriptionRequested,
    TrainingCancelled,
    TrainingCharged,
    TrainingFailed,
    TrainingRefunded,
)
from contracts.queries.billing import AccountBalance, AccountQuery, LedgerPage, LedgerQuery

pytestmark = pytest.mark.integration
INPUTS = (
    CreditsPurchased,
    SubscriptionRequested,
    DatasetValidated,
    GenerationRequested,
    TrainingFailed,
    TrainingCancelled,
    GenerationFailed,
    ImageGenerated,
)


def settings_for(service_env: dict[str, str], **overrides) -> Settings:
    return Settings(**({k.lower(): v for k, v in service_env.items()} | overrides))


def billing_running(settings: Settings, pods: int = 1):
    return running(*(create_app(settings) for _ in range(pods)))


@asynccontextmanager
async def client_bus(settings: Settings):
    """Publishes billing's inputs, collects its outcomes, asks its queries."""
    bus = connect_bus("client", settings.nats_url, settings.topology())
    bus.produces(*INPUTS)
    seen: list = []

    async def collect(event, delivery: Delivery) -> None:
        seen.append(event)

    outcomes = (TrainingCharged, TrainingRefunded, CreditsDebited, CreditsDebitRejected)
    bus.consume("observer", dict.fromkeys((*outcomes, CreditsRefunded), collect))
    bus.seen = seen
    await bus.start()
    try:
        yield bus
    finally:
        await bus.stop()


async def balance(bus: EventBus, account: str, key: str | None = None) -> AccountBalance:
    query = AccountQuery(account_id=account, applied_key=key)
    return await bus.ask("billing", "account", query, AccountBalance)


async def test_100_concurrent_debits_on_50_credits_make_exactly_10(service_env):
    settings = settings_for(service_env)
    async with billing_running(settings, pods=2), client_bus(settings) as bus:
        top_up = ev.purchased("acct-race", 50)
        await bus.publish(top_up)

        async def topped_up() -> bool:
            reply = await balance(bus, "acct-race", f"purchase:{top_up.purchase_id}")
            return reply.applied

        await eventually(topped_up)
        requests = [ev.requested("acct-race", images=1) for _ in range(100)]
        await asyncio.gather(*(bus.publish(r) for r in requests))
        await eventually(lambda: len(bus.seen) == 100, timeout_s=60)
        debited = [e for e in bus.seen if isinstance(e, CreditsDebited)]
        rejected = [e for e in bus.seen if isinstance(e, CreditsDebitRejected)]
        assert (len(debited), len(rejected)) == (10, 90)
        assert (await balance(bus, "acct-race")).credits == 0
        page = await bus.ask(
            "billing", "ledger", LedgerQuery(account_id="acct-race", limit=100), LedgerPage
        )
        assert len(page.entries) == 100  # the top-up and 99 newest decisions
        assert all(line.balance_after >= 0 for line in page.entries)
        assert sorted(line.seq for line in page.entries) == list(range(2, 102))


async def publish_raw_copy(url: str, settings: Settings, event) -> None:
    """Deliver an event a second time, past JetStream's dedupe (as after a lost ack)."""
    nc = await nats.connect(url)
    subject = settings.topology().subject(type(event))
    headers = {"Nats-Msg-Id": f"copy-{event.event_id}"}
    await nc.jetstream().publish(subject, event.model_dump_json().encode(), headers=headers)
    await nc.close()


async def test_every_input_delivered_twice_and_out_of_order_is_applied_once(service_env):
    settings = settings_for(service_env)
    url = service_env["NATS_URL"]
    async with billing_running(settings), client_bus(settings) as bus:
        training = ev.validated("acct-dup")
        generation = ev.requested("acct-dup", images=2)
        inputs = [
            ev.purchased("acct-dup", 1000),
            ev.subscribed("acct-dup", "pro"),
            ev.training_failed("acct-dup", training.training_id),  # before its charge
            training,
            generation,
            ev.generation_failed("acct-dup", generation.generation_id),
            ev.validated("acct-dup"),
        ]
        for event in inputs:
            await bus.publish(event)
            await publish_raw_copy(url, settings, event)

        def settled() -> bool:
            kinds = [type(e) for e in bus.seen]
            return kinds.count(TrainingRefunded) == 1 and kinds.count(CreditsRefunded) == 1

        await eventually(settled, timeout_s=30)
        await asyncio.sleep(1)  # room for any double outcome to show up
        kinds = sorted(type(e).__name__ for e in bus.seen)
        expected = ["TrainingCharged", "TrainingCharged", "TrainingRefunded"]
        assert kinds == sorted([*expected, "CreditsDebited", "CreditsRefunded"])
        # 1000 bought; the free training paid the first training and came back with its
        # refund; 10 debited and refunded; the second training took the 1000 credits.
        final = await balance(bus, "acct-dup")
        assert (final.credits, final.free_trainings, final.plan) == (0, 1, "pro")


async def test_replaying_the_inputs_into_an_empty_store_gives_the_same_ledger(
    service_env, embedded, topology
):
    settings = settings_for(service_env)
    accounts = ["acct-r1", "acct-r2"]
    async with billing_running(settings), client_bus(settings) as bus:
        for account in accounts:
            await bus.publish(ev.purchased(account, 1200))
            await bus.publish(ev.subscribed(account, "standard"))
            for _ in range(2):
                training = ev.validated(account)
                await bus.publish(training)
            await bus.publish(ev.training_failed(account, training.training_id))
            for images in (1, 4, 3):
                await bus.publish(gen := ev.requested(account, images))
            await bus.publish(ev.generation_failed(account, gen.generation_id))
        await eventually(lambda: sum(isinstance(e, CreditsRefunded) for e in bus.seen) == 2)
        original = {a: await ledger_of(bus, a) for a in accounts}

    replay_prefix = topology.prefix + "r"
    await copy_inputs(embedded.nats_url, topology, replay_prefix)
    replay = settings_for(
        service_env, aitrain_bus_prefix=replay_prefix, aitrain_db_prefix=replay_prefix
    )
    async with billing_running(replay), client_bus(replay) as bus:
        await eventually(lambda: sum(isinstance(e, CreditsRefunded) for e in bus.seen) == 2)
        replayed = {a: await ledger_of(bus, a) for a in accounts}
    assert replayed == original
    assert len(original["acct-r1"]) == 9


async def ledger_of(bus: EventBus, account: str) -> list[dict]:
    page = await bus.ask("billing", "ledger", LedgerQuery(account_id=account), LedgerPage)
    return [line.model_dump() for line in page.entries]


async def copy_inputs(url: str, topology, new_prefix: str) -> None:
    """Republish billing's input events, in stream order, on a fresh bus of their own."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    info = await js.stream_info(topology.event_stream)
    input_subjects = {topology.subject(e): e.subject_suffix() for e in INPUTS}
    copied = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        msg = await js.get_msg(topology.event_stream, seq)
        if msg.subject in input_subjects:
            copied.append((f"{new_prefix}.{input_subjects[msg.subject]}", msg.data))
    await nc.close()
    replay_topology = type(topology)(prefix=new_prefix)
    await bootstrap_at(url, replay_topology)
    replay_bus = connect_bus("replayer", url, replay_topology)
    await replay_bus.prepare()
    js = replay_bus.broker.config.connection_state.stream
    for subject, data in copied:
        event_id = json.loads(data)["event_id"]
        await js.publish(subject, data, headers={"Nats-Msg-Id": event_id})
    await replay_bus.stop()


def test_inputs_cover_every_event_billing_consumes():
    from service_routes import ROUTES

    assert {e.__name__ for e in INPUTS} == set(ROUTES["billing"])
    assert set(ROUTES["billing"]) <= {e.__name__ for e in ALL_EVENTS}
