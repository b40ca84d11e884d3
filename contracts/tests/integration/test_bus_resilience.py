"""The bus survives what production throws at it: server restarts, long jobs, dead pods."""

import asyncio

import nats
import pytest
from bus_helpers import dead_letters, eventually, uploaded
from nats.js.api import RetentionPolicy, StreamConfig

from contracts.bus import ConsumerDefaults, Delivery, Topology, TopologyMismatch, connect_bus
from contracts.bus.bootstrap import bootstrap_at
from contracts.events import DatasetUploaded

pytestmark = pytest.mark.integration


async def test_consumers_resume_after_the_nats_server_restarts(own_nats, topology):
    await bootstrap_at(own_nats.url, topology)
    bus = connect_bus("svc", own_nats.url, topology)
    bus.produces(DatasetUploaded)
    handled: list[str] = []

    @bus.subscribe(DatasetUploaded, "survivor")
    async def survivor(event: DatasetUploaded, delivery: Delivery) -> None:
        handled.append(event.training_id)

    await bus.start()
    try:
        await bus.publish(uploaded(1))
        await eventually(lambda: handled == ["trn-1"])
        await asyncio.to_thread(own_nats.stop)
        await asyncio.sleep(1)
        await asyncio.to_thread(own_nats.start)  # same port and data: streams, consumers persist

        async def published_after_reconnect() -> bool:
            try:
                await bus.publish(uploaded(2))
                return True
            except Exception:  # noqa: BLE001 — still reconnecting
                return False

        await eventually(published_after_reconnect, timeout_s=30)
        await eventually(lambda: handled == ["trn-1", "trn-2"], timeout_s=30)
    finally:
        await bus.stop()


async def test_heartbeats_keep_a_long_job_leased(embedded):
    topology = Topology(prefix="hb" + uuid_suffix(), consumers=ConsumerDefaults(ack_wait_s=1.0))
    await bootstrap_at(embedded.nats_url, topology)
    bus = connect_bus("svc", embedded.nats_url, topology)
    bus.produces(DatasetUploaded)
    attempts: list[int] = []

    @bus.subscribe(DatasetUploaded, "long")
    async def long_job(event: DatasetUploaded, delivery: Delivery) -> None:
        attempts.append(delivery.attempt)
        async with delivery.keep_leased():
            await asyncio.sleep(3.5)  # three and a half ack waits

    await bus.start()
    try:
        await bus.publish(uploaded(1))
        await eventually(lambda: attempts == [1])
        await asyncio.sleep(5)
        assert attempts == [1]  # never redelivered while it ran
    finally:
        await bus.stop()


def pod(name: str, url: str, topology: Topology, seen: list, hang: bool):
    """One process of a service; a hanging one never acks nor heartbeats, like a dead pod."""
    bus = connect_bus("svc", url, topology, graceful_timeout_s=0.5)
    bus.produces(DatasetUploaded)

    @bus.subscribe(DatasetUploaded, "work")  # every pod binds the same durable consumer
    async def work(event: DatasetUploaded, delivery: Delivery) -> None:
        seen.append((name, delivery.attempt))
        if hang:
            await asyncio.sleep(3600)

    return bus


async def test_a_job_whose_pod_hangs_is_redelivered_to_another_pod(embedded):
    limits = ConsumerDefaults(ack_wait_s=1.0, max_attempts=2, retry_delays_s=(0.2,))
    topology = Topology(prefix="pod" + uuid_suffix(), consumers=limits)
    await bootstrap_at(embedded.nats_url, topology)
    seen: list[tuple[str, int]] = []
    stuck = pod("stuck", embedded.nats_url, topology, seen, hang=True)
    healthy = pod("healthy", embedded.nats_url, topology, seen, hang=False)
    await stuck.start()
    try:
        await stuck.publish(uploaded(1))
        await eventually(lambda: seen == [("stuck", 1)])
        await healthy.start()
        await eventually(lambda: ("healthy", 2) in seen, timeout_s=10)
    finally:
        await stuck.stop()
        await healthy.stop()
    assert await dead_letters(embedded.nats_url, topology) == []


async def test_a_message_no_attempt_finished_is_dead_lettered(embedded):
    limits = ConsumerDefaults(ack_wait_s=1.0, max_attempts=1, retry_delays_s=(0.2,))
    topology = Topology(prefix="crash" + uuid_suffix(), consumers=limits)
    await bootstrap_at(embedded.nats_url, topology)
    seen: list[tuple[str, int]] = []
    stuck = pod("stuck", embedded.nats_url, topology, seen, hang=True)
    spare = pod("spare", embedded.nats_url, topology, seen, hang=False)
    await stuck.start()
    try:
        await stuck.publish(uploaded(1))
        await eventually(lambda: seen == [("stuck", 1)])
        await spare.start()

        async def one_letter() -> bool:
            return len(await dead_letters(embedded.nats_url, topology)) == 1

        await eventually(one_letter, timeout_s=15)
        [letter] = await dead_letters(embedded.nats_url, topology)
        assert "no attempt finished in 1" in letter.reason
        assert seen == [("stuck", 1)]  # the spare pod did not run the handler again
    finally:
        await stuck.stop()
        await spare.stop()


async def test_start_up_refuses_a_stream_with_other_settings(embedded):
    topology = Topology(prefix="other" + uuid_suffix())  # declared by someone else, not so
    nc = await nats.connect(embedded.nats_url)
    await nc.jetstream().add_stream(
        StreamConfig(
            name=topology.event_stream,
            subjects=[f"{topology.prefix}.*.*.*"],
            retention=RetentionPolicy.WORK_QUEUE,  # would lose events for other consumers
        )
    )
    await nc.close()
    bus = connect_bus("svc", embedded.nats_url, topology)
    with pytest.raises(TopologyMismatch, match=topology.event_stream):
        await bus.prepare()
    await bus.stop()


def uuid_suffix() -> str:
    import uuid

    return uuid.uuid4().hex[:10]
