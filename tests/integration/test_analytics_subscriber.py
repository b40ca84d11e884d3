"""The analytics example (examples/analytics) on a NATS server with the platform's users: as
`reader` it collects every event into DuckDB, survives a crash between storing and
acknowledging, resumes where it stopped with no gap and no duplicate, and its report adds
up to the events that were published."""

import asyncio
import importlib.util
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nats
import pytest

from aitrain_local.testing import secured_nats
from contracts import events as ev
from contracts.bus import Topology, bootstrap

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "contracts/tests/golden"
spec = importlib.util.spec_from_file_location(
    "aitrain_analytics", ROOT / "examples/analytics/aitrain_analytics.py"
)
analytics = importlib.util.module_from_spec(spec)
spec.loader.exec_module(analytics)

TOPOLOGY = Topology(prefix="stats")
DAY = datetime(2026, 11, 25, 9, tzinfo=UTC)
PRICE = 1000  # credits per training
TRAININGS = 12  # even ones complete after 60 + 10 i seconds, odd ones fail and are refunded


def event(cls, number: int, at: datetime, **fields):
    """A real event of `cls` (validated by its contract class), from its golden example."""
    body = json.loads((GOLDEN / f"{cls.__name__}.json").read_text())
    body |= {"event_id": f"{cls.__name__}-{number}", "occurred_at": at.isoformat()} | fields
    return cls.model_validate(body)


def story() -> list:
    """Per training: uploaded, charged, then completed (with a generation of 4 images and
    its debit) or failed and refunded."""
    events = []
    for i in range(TRAININGS):
        start, training = DAY + timedelta(minutes=10 * i), f"trn-{i}"
        events += [
            event(ev.DatasetUploaded, i, start, training_id=training, training_type="style"),
            event(ev.TrainingCharged, i, start, training_id=training, credits_charged=PRICE),
        ]
        done = start + timedelta(seconds=60 + 10 * i)
        if i % 2 == 0:
            events += [
                event(ev.TrainingCompleted, i, done, training_id=training),
                event(ev.CreditsDebited, i, done, generation_id=f"gen-{i}"),
                event(ev.ImageGenerated, i, done, generation_id=f"gen-{i}", images=[]).model_copy(
                    update={"images": event(ev.ImageGenerated, i, done).images * 4}
                ),
            ]
        else:
            events += [
                event(ev.TrainingFailed, i, done, training_id=training, reason="out of memory"),
                event(ev.TrainingRefunded, i, done, training_id=training, credits_refunded=PRICE),
            ]
    return events


@pytest.fixture(scope="module")
def secured(tmp_path_factory) -> Iterator[tuple[str, dict[str, str]]]:
    with secured_nats(tmp_path_factory.mktemp("analytics-nats"), TOPOLOGY) as server:
        yield server


async def publish(url: str, password: str, events: list) -> None:
    connection = await nats.connect(url, user="admin", password=password)
    try:
        js = connection.jetstream()
        await bootstrap(js, TOPOLOGY)
        for item in events:
            subject = TOPOLOGY.subject(type(item))
            await js.publish(subject, item.model_dump_json().encode(), headers={
                "Nats-Msg-Id": item.event_id
            })  # fmt: skip
    finally:
        await connection.close()


class Crash(Exception):
    pass


async def test_every_event_once_across_a_crash_and_restarts(secured, tmp_path):
    url, users = secured
    db = tmp_path / "analytics.duckdb"
    events = story()
    first, rest = events[:20], events[20:]

    async def run(**options) -> int:
        return await analytics.collect(
            db, url, "reader", users["reader"], TOPOLOGY.prefix, until_idle=True,
            ack_wait_s=1.0, **options,
        )  # fmt: skip

    def crash(rows):
        raise Crash(f"stored {len(rows)} events, acknowledged none")

    await publish(url, users["admin"], first)
    with pytest.raises(Crash):  # stored, then died before acknowledging
        await run(after_store=crash)
    await publish(url, users["admin"], rest)
    stored_after_restart = await run()
    await asyncio.sleep(1.5)  # past the ack wait: anything unacknowledged comes again
    stored_at_last = await run()

    connection = analytics.duckdb.connect(str(db), read_only=True)
    rows = connection.execute("SELECT seq, body FROM events ORDER BY seq").fetchall()
    seqs, ids = [seq for seq, _ in rows], [json.loads(body)["event_id"] for _, body in rows]
    connection.close()
    assert seqs == list(range(1, len(events) + 1))  # no gap
    assert sorted(ids) == sorted(e.event_id for e in events)  # each event once
    assert stored_after_restart == len(rest)  # the crashed batch was kept, not stored twice
    assert stored_at_last == 0

    tables = analytics.report(db)
    outcomes = {
        (row["type"], row["outcome"]): row["trainings"]
        for row in tables["trainings per day, by type and outcome"]
    }
    assert outcomes == {("style", "completed"): TRAININGS // 2, ("style", "failed"): TRAININGS // 2}
    completed_seconds = sorted(60 + 10 * i for i in range(0, TRAININGS, 2))  # 60, 80, ... 160
    [timing] = tables["time from upload to model, seconds"]
    assert timing["models"] == TRAININGS // 2
    assert timing["p50"] == pytest.approx(sum(completed_seconds[2:4]) / 2)  # 110.0
    [generations] = tables["generations and images per day"]
    images_each = len(event(ev.ImageGenerated, 0, DAY).images) * 4
    assert (generations["generations"], generations["images"]) == (
        TRAININGS // 2,
        TRAININGS // 2 * images_each,
    )
    [credits] = tables["credits per day"]
    charged = PRICE * TRAININGS + event(ev.CreditsDebited, 0, DAY).credits_debited * (
        TRAININGS // 2
    )
    refunded = PRICE * (TRAININGS // 2)
    assert (credits["charged"], credits["refunded"]) == (charged, refunded)
    reasons = {(r["event_type"], r["reason"]): r["times"] for r in tables["failure reasons"]}
    assert reasons == {("TrainingFailed", "out of memory"): TRAININGS // 2}
