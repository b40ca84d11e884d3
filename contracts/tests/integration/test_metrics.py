"""What a worker exports on METRICS_PORT, scraped over HTTP the way Prometheus does: events
settled per consumer and outcome, handling time, events published, and a /healthz that
follows the bus connection."""

import httpx
import nats
import pytest
from bus_helpers import eventually, uploaded
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from aitrain_local.process import free_port
from contracts.bus import Delivery, connect_bus, exported
from contracts.events import DatasetUploaded

pytestmark = pytest.mark.integration


def scrape(port: int) -> dict[tuple[str, tuple], float]:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def health(port: int) -> int:
    return httpx.get(f"http://127.0.0.1:{port}/healthz").status_code


def events(scraped, consumer: str, outcome: str) -> float:
    key = ("aitrain_events_total", (("consumer", consumer), ("outcome", outcome)))
    return scraped.get(key, 0.0)


async def test_a_worker_exports_what_its_consumers_settled(embedded, topology):
    bus = connect_bus("svc", embedded.nats_url, topology)
    bus.produces(DatasetUploaded)
    handled: list[str] = []

    @bus.subscribe(DatasetUploaded, "metered")
    async def metered(event: DatasetUploaded, delivery: Delivery) -> None:
        if event.training_id == "trn-1" and delivery.attempt == 1:
            raise ConnectionError("a hiccup: retried")
        handled.append(event.training_id)

    port = free_port()
    await bus.start()
    async with exported(bus, port):  # as service_app runs it with METRICS_PORT
        try:
            before = scrape(port)
            await bus.publish(uploaded(1))
            await bus.publish(uploaded(2))
            client = await nats.connect(embedded.nats_url)  # a payload no contract accepts
            subject = topology.subject(DatasetUploaded)
            await client.jetstream().publish(subject, b"{}", stream=topology.event_stream)
            await client.close()
            await eventually(lambda: sorted(handled) == ["trn-1", "trn-2"])
            await eventually(lambda: events(scrape(port), "svc-metered", "dead_lettered") >= 1)
            after = scrape(port)
            assert health(port) == 200
        finally:
            await bus.stop()
        assert health(port) == 503  # the bus is gone
    lag = ("aitrain_consumer_pending", (("consumer", "svc-metered"),))
    assert lag in after  # polled from JetStream while the port is served

    def grew(outcome: str) -> float:
        return events(after, "svc-metered", outcome) - events(before, "svc-metered", outcome)

    assert (grew("handled"), grew("retried"), grew("dead_lettered")) == (2, 1, 1)
    timed = ("aitrain_event_handling_seconds_count", (("consumer", "svc-metered"),))
    assert after[timed] - before.get(timed, 0) == 3  # two successes and the failed attempt
    published = ("aitrain_events_published_total", (("event_type", "DatasetUploaded"),))
    assert after[published] - before.get(published, 0) == 2


async def test_consumer_lag_comes_from_jetstream(embedded, topology):
    """Declared but not consuming (no process of the service is up): what is published
    waits, and the gauges say how much and that nobody is asking for it."""
    bus = connect_bus("idle", embedded.nats_url, topology)
    bus.produces(DatasetUploaded)

    @bus.subscribe(DatasetUploaded, "queue")
    async def never(event: DatasetUploaded, delivery: Delivery) -> None: ...

    await bus.prepare()  # streams and consumers declared; the broker does not consume
    try:
        for n in range(3):
            await bus.publish(uploaded(n))
        await bus.observe_consumers()
    finally:
        await bus.stop()
    pending = REGISTRY.get_sample_value("aitrain_consumer_pending", {"consumer": "idle-queue"})
    waiting = REGISTRY.get_sample_value(
        "aitrain_consumer_waiting_pulls", {"consumer": "idle-queue"}
    )
    in_progress = REGISTRY.get_sample_value(
        "aitrain_consumer_ack_pending", {"consumer": "idle-queue"}
    )
    assert (pending, in_progress, waiting) == (3, 0, 0)
