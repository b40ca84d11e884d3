"""One contract, two job records: the in-memory fake and MongoDB (over the real server)
behave the same, so the long-job tests on the fake say something about production."""

import uuid

import pytest
from pymongo import AsyncMongoClient

from contracts.events import TrainingFailed
from contracts.jobs.memory_records import MemoryOutcomeRecords
from contracts.jobs.mongo_records import MongoOutcomeRecords


@pytest.fixture(params=["memory", pytest.param("mongo", marks=pytest.mark.integration)])
async def records(request):
    if request.param == "memory":
        yield MemoryOutcomeRecords()
        return
    embedded = request.getfixturevalue("embedded")
    client = AsyncMongoClient(embedded.mongo_url)
    yield MongoOutcomeRecords(client[f"jobs_port_{uuid.uuid4().hex[:10]}"]["jobs"])
    await client.close()


def failed(training_id: str) -> dict:
    event = TrainingFailed.new(training_id=training_id, reason="r", account_id="a1")
    return event.model_dump(mode="json")


async def test_a_job_never_seen_has_no_outcome(records):
    assert await records.outcome("trn-1") is None


async def test_starts_count_per_job_and_say_how_many_came_before(records):
    assert [await records.start("trn-1") for _ in range(3)] == [0, 1, 2]
    assert await records.start("trn-2") == 0
    assert await records.outcome("trn-1") is None  # started is not ended


async def test_an_outcome_reads_back_as_recorded_whether_or_not_the_job_counted_starts(records):
    started, unstarted = failed("trn-1"), failed("trn-2")
    await records.start("trn-1")
    await records.finish("trn-1", started)
    await records.finish("trn-2", unstarted)  # inference counts no starts
    assert await records.outcome("trn-1") == started
    assert await records.outcome("trn-2") == unstarted
    assert await records.start("trn-1") == 1  # ending a job keeps its count


async def test_a_changed_copy_leaves_the_record_alone(records):
    outcome = failed("trn-1")
    await records.finish("trn-1", outcome)
    outcome["reason"] = "changed"
    read = await records.outcome("trn-1")
    read["reason"] = "changed too"
    assert (await records.outcome("trn-1"))["reason"] == "r"


async def test_a_cancel_is_kept_for_its_job_alone_started_or_not(records):
    assert not await records.cancel_requested("trn-1")
    await records.cancel("trn-1")  # before the job ever started
    await records.cancel("trn-1")  # asked twice: the same
    await records.start("trn-2")
    await records.cancel("trn-2")  # while it runs
    assert await records.cancel_requested("trn-1")
    assert await records.cancel_requested("trn-2")
    assert not await records.cancel_requested("trn-3")
    assert await records.start("trn-1") == 0  # a cancel counts no start
    assert await records.outcome("trn-1") is None  # nor ends the job: the trainer does
