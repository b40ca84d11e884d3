"""The fair job queue, in memory and in MongoDB over the real server (the same contract): who
goes first by plan and time, a turn keeps the job it took, a cancelled job goes first, and
no one starves. The rule itself is contracts.queueing's."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import AsyncMongoClient

from contracts import queueing
from contracts.events import TrainingCharged
from contracts.events.common import TrainingSpec
from trainer.adapters.mongo_queue import MongoJobQueue
from trainer.queue import MemoryJobQueue

T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def paid(training_id: str, plan: str | None, after_s: float) -> TrainingCharged:
    spec = TrainingSpec(training_type="object", keyword="zxq", images=[], dataset_hash="h")
    event = TrainingCharged.new(
        account_id=f"acct-{training_id}",
        correlation_id=f"c-{training_id}",
        training_id=training_id,
        spec=spec,
        credits_charged=1000,
        used_free_training=False,
        balance_after=0,
        plan=plan,
    )
    return event.model_copy(update={"occurred_at": T0 + timedelta(seconds=after_s)})


KEEP_DONE_S = 0.5


@pytest.fixture(params=["memory", pytest.param("mongo", marks=pytest.mark.integration)])
async def queue(request):
    if request.param == "memory":
        yield MemoryJobQueue(KEEP_DONE_S)
        return
    embedded = request.getfixturevalue("embedded")
    client = AsyncMongoClient(embedded.mongo_url)
    mongo = MongoJobQueue(client[f"queue_port_{uuid.uuid4().hex[:10]}"]["queue"], KEEP_DONE_S)
    await mongo.create_indexes()
    yield mongo
    await client.close()


async def taken(queue, turns: list[str]) -> list[str | None]:
    return [(job.training_id if (job := await queue.take(turn)) else None) for turn in turns]


async def test_a_higher_plan_goes_ahead_of_jobs_paid_within_its_head_start(queue):
    for job in (
        paid("std-early", "standard", 0),
        paid("free", "free", 10),
        paid("pro", "pro", 20),
        paid("unl", "unlimited", 30),
        paid("std-late", "standard", 40),
    ):
        await queue.add(job)
    assert await queue.waiting() == 5
    # each delivery is a turn: whichever delivery comes, the first in line runs
    order = await taken(queue, ["t1", "t2", "t3", "t4", "t5", "t6"])
    assert order == ["unl", "pro", "std-early", "std-late", "free", None]
    assert await queue.waiting() == 0


async def test_no_one_waits_behind_later_jobs_longer_than_the_largest_head_start(queue):
    wait = queueing.LONGEST_WAIT_BEHIND_LATER_S
    await queue.add(paid("free-old", "free", 0))
    await queue.add(paid("unl-new", "unlimited", wait + 1))  # came too late to overtake it
    await queue.add(paid("unl-soon", "unlimited", wait - 1))
    assert await taken(queue, ["a", "b", "c"]) == ["unl-soon", "free-old", "unl-new"]


async def test_a_redelivered_turn_runs_the_job_it_took_and_a_job_is_added_once(queue):
    await queue.add(paid("a", "standard", 0))
    await queue.add(paid("b", "pro", 5))
    assert await taken(queue, ["turn-a"]) == ["b"]
    await queue.add(paid("b", "pro", 5))  # its own turn, or the queue's consumer, again
    assert await taken(queue, ["turn-a", "turn-a"]) == ["b", "b"]  # the turn's job, resumed
    assert await taken(queue, ["turn-b"]) == ["a"]
    await queue.finish("b")
    assert await taken(queue, ["turn-a"]) == ["b"]  # ended: its recorded outcome is re-sent
    assert await queue.waiting() == 0


async def test_a_cancelled_waiting_job_goes_first_to_end_at_once(queue):
    await queue.add(paid("unl", "unlimited", 0))
    await queue.add(paid("free", "free", 5))
    await queue.cancel("free")
    await queue.cancel("nobody")  # a cancel for a job the queue never saw changes nothing
    assert await taken(queue, ["x", "y"]) == ["free", "unl"]


async def test_an_older_billing_s_job_without_a_plan_queues_as_free(queue):
    await queue.add(paid("old", None, 0))
    await queue.add(paid("std", "standard", 299))
    assert await taken(queue, ["x", "y"]) == ["std", "old"]
    assert queueing.limit_of(None) == queueing.limit_of("free") == 2


async def test_an_ended_job_is_forgotten_after_its_keep_time(queue):
    await queue.add(paid("a", "pro", 0))
    await queue.add(paid("b", "pro", 1))
    assert await taken(queue, ["turn-a"]) == ["a"]
    await queue.finish("a")
    assert await taken(queue, ["turn-a"]) == ["a"]  # still bound: its outcome is re-sent
    await asyncio.sleep(KEEP_DONE_S + 0.1)
    await queue.finish("nothing")  # any ending sweeps the old ones
    # forgotten: a stray turn takes the waiting job, whose own turn then finds nothing
    assert await taken(queue, ["turn-a", "turn-b"]) == ["b", None]
    assert await queue.waiting() == 0


async def test_a_turn_delivered_twice_at_once_binds_one_job(queue):
    """JetStream may redeliver a turn to a second process while the first is still taking
    its job: both must run the same job, and the other jobs keep waiting for their turns."""
    for n in range(12):
        await queue.add(paid(f"job-{n:02}", "standard", n))
    for turn in ("t1", "t2", "t3"):
        first, second = await asyncio.gather(*(queue.take(turn) for _ in range(2)))
        assert first.training_id == second.training_id, turn
    assert await queue.waiting() == 9
    assert await taken(queue, ["t1", "t2", "t3", "t4"]) == ["job-00", "job-01", "job-02", "job-03"]


@pytest.mark.integration
async def test_a_queue_kept_before_turns_were_unique_is_brought_up_to_date(embedded):
    from trainer.queue import key_of

    client = AsyncMongoClient(embedded.mongo_url)
    jobs = client[f"queue_old_{uuid.uuid4().hex[:10]}"]["queue"]
    await jobs.create_index("turn")  # as it was: not unique, waiting jobs without a turn
    for n in range(2):
        job = paid(f"old-{n}", "pro", n)
        entry = {"job": job.model_dump_json(), "key": key_of(job), "state": "waiting"}
        await jobs.insert_one({"_id": job.training_id, "turn": None, "cancelled": 0} | entry)
    queue = MongoJobQueue(jobs, KEEP_DONE_S)
    try:
        await queue.create_indexes()
        turn_indexes = [i async for i in await jobs.list_indexes() if "turn" in dict(i["key"])]
        assert [bool(i.get("unique")) for i in turn_indexes] == [True]
        assert await taken(queue, ["t1", "t2", "t1"]) == ["old-0", "old-1", "old-0"]
    finally:
        await client.close()
