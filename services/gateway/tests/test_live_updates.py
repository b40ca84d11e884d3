"""Live updates are pushed, not polled: a stream reads its record when the replica that
folded a fact says it changed (on every replica, over the bus), reads nothing while nothing
moves, resumes from `Last-Event-ID`, and a batched read every RECONCILE_S catches a lost
note."""

import asyncio
import time
from dataclasses import replace

from gateway_app import fake_gateway, new_account
from gateway_records import training

from contracts.bus import connect_bus
from gateway.adapters.bus_view_changes import BusViewChanges
from gateway.api.streams import event_id
from gateway.app.live_updates import LiveUpdates
from gateway.app.outbox import outgoing
from gateway.domain.facts import Change
from gateway.domain.statuses import TrainingStatus


def statuses(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("data: ")]


async def test_a_stream_reads_only_when_told_and_resumes_where_the_browser_was():
    async with fake_gateway() as (http, ports, _):
        account_id, me = await new_account(http)
        await ports.trainings.create(training(account_id=account_id), outgoing())
        reads = []
        get = ports.trainings.get

        async def counted(*args):
            reads.append(time.monotonic())
            return await get(*args)

        ports.trainings.get = counted
        held = await get(account_id, "trn-1")
        seen = {"Last-Event-ID": event_id((held.updated_at, None))}  # what the page has
        path = "/v1/trainings/trn-1/events"
        following = asyncio.create_task(http.get(path, headers=me | seen))
        await asyncio.sleep(1.0)
        assert not following.done()
        opened = len(reads)  # the route's check and the stream's first read
        assert opened <= 3
        await ports.trainings.apply("trn-1", Change({"status": TrainingStatus.COMPLETED}))
        await ports.view_changes.changed("trn-1")  # what the fold tells every replica
        answer = await asyncio.wait_for(following, 5)
        assert len(reads) == opened + 1  # one read for the one change
        [only] = statuses(answer.text)  # the status the page had is not sent again
        assert '"status": "completed"' in only
        done = event_id(((await get(account_id, "trn-1")).updated_at, None))
        again = await http.get(path, headers=me | {"Last-Event-ID": done})
        assert again.status_code == 204  # it saw the end: EventSource stops asking


async def test_a_fold_wakes_the_streams_that_follow_its_record():
    async with fake_gateway() as (http, ports, app):
        account_id, me = await new_account(http)
        await ports.trainings.create(training(account_id=account_id), outgoing())
        following = asyncio.create_task(http.get("/v1/trainings/trn-1/events", headers=me))
        await asyncio.sleep(0.3)
        views = app.state.gateway.views
        change = Change({"status": TrainingStatus.FAILED, "reason": "out of memory"})
        await ports.trainings.apply("trn-1", change)
        await views.changes.changed("trn-1")
        answer = await asyncio.wait_for(following, 5)
        assert [s for s in statuses(answer.text) if "out of memory" in s]
        assert "trn-1" in ports.view_changes.told


class Store:
    """Versioned records, counting the reads."""

    def __init__(self, held: dict):
        self.held, self.reads = held, 0

    async def versions(self, record_ids: list[str]) -> dict:
        self.reads += 1
        return {id: self.held[id] for id in record_ids if id in self.held}


async def test_reconciling_wakes_only_records_that_moved_or_went_in_one_read_per_store():
    trainings, generations = Store({"a": 1, "b": 1, "c": 1}), Store({"g": 1})
    live = LiveUpdates()
    with (
        live.follow("a", trainings) as (a, woke_a),
        live.follow("b", trainings) as (b, woke_b),
        live.follow("c", trainings) as (c, woke_c),
        live.follow("g", generations) as (g, woke_g),
    ):
        for followed in (a, b, c, g):
            followed.seen = 1
        trainings.held["a"] = 2  # changed, and its note was lost
        del trainings.held["c"]  # deleted
        await live.reconcile_once()
        assert (woke_a.is_set(), woke_b.is_set(), woke_c.is_set(), woke_g.is_set()) == (
            True,
            False,
            True,
            False,
        )
        assert (trainings.reads, generations.reads) == (1, 1)
    assert live.followed() == 0  # streams gone: nothing followed, nothing read


async def test_every_replica_hears_a_change_over_the_bus(embedded, topology):
    replicas = [connect_bus("gateway", embedded.nats_url, topology) for _ in range(2)]
    heard: list[list[str]] = [[], []]
    for bus, mine in zip(replicas, heard, strict=True):

        async def wake(record_id: str, mine=mine) -> None:
            mine.append(record_id)

        BusViewChanges(bus).hear(wake)
        await bus.start()
    try:
        await BusViewChanges(replicas[0]).changed("trn-7")
        for _ in range(50):
            if heard == [["trn-7"], ["trn-7"]]:
                break
            await asyncio.sleep(0.05)
        assert heard == [["trn-7"], ["trn-7"]]
    finally:
        for bus in replicas:
            await bus.stop()


def test_a_training_waiting_in_the_queue_looks_again_for_its_place():
    from gateway.api.streams import QUIET_END_S, QueuePlaces

    places = QueuePlaces(None, "acct", None)
    queued = replace(training(), status=TrainingStatus.QUEUED)
    assert places.every_s(queued) == QueuePlaces.PLACE_EVERY_S
    assert places.every_s(replace(queued, status=TrainingStatus.TRAINING)) == QUIET_END_S
