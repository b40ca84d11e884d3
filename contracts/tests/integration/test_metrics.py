"""What a worker exports on METRICS_PORT, scraped over HTTP the way Prometheus does: events
settled per consumer and outcome, handling time, events published, and a /healthz that
follows the bus connection."""

import httpx
import nats
import pytest
from bus_helpers import eventually, uploaded
from prometheus_client.parser import text_string_to_metric_families

from aitrain_local.process import free_port
from contracts import metrics
from contracts.bus import Delivery, connect_bus
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
    server = metrics.serve(port, bus.connected, host="127.0.0.1")
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
    server.shutdown()
    server.server_close()

    def grew(outcome: str) -> float:
        return events(after, "svc-metered", outcome) - events(before, "svc-metered", outcome)

    assert (grew("handled"), grew("retried"), grew("dead_lettered")) == (2, 1, 1)
    timed = ("aitrain_event_handling_seconds_count", (("consumer", "svc-metered"),))
    assert after[timed] - before.get(timed, 0) == 3  # two successes and the failed attempt
    published = ("aitrain_events_published_total", (("event_type", "DatasetUploaded"),))
    assert after[published] - before.get(published, 0) == 2
