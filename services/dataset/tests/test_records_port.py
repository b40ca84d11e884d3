"""One contract, two dataset records: the in-memory fake and MongoDB (the real server)."""

import uuid

import pytest
from pymongo import AsyncMongoClient

from dataset.adapters.memory_records import MemoryDatasetRecords
from dataset.adapters.records import MongoDatasetRecords


@pytest.fixture(params=["memory", pytest.param("mongo", marks=pytest.mark.integration)])
async def records(request):
    if request.param == "memory":
        yield MemoryDatasetRecords()
        return
    embedded = request.getfixturevalue("embedded")
    client = AsyncMongoClient(embedded.mongo_url)
    yield MongoDatasetRecords(client[f"dataset_port_{uuid.uuid4().hex[:10]}"])
    await client.close()


async def test_a_record_is_created_then_replaced_whole(records):
    assert await records.get("ds-1") is None
    first = {"status": "rejected", "report": {"images": [{"name": "a.jpg"}]}, "keys": []}
    await records.save("ds-1", first)
    assert await records.get("ds-1") == first
    await records.save("ds-1", {"status": "validated", "keys": ["k1", "k2"]})
    assert await records.get("ds-1") == {"status": "validated", "keys": ["k1", "k2"]}
    first["status"] = "changed by the caller"
    assert (await records.get("ds-1"))["status"] == "validated"


async def test_originals_are_due_once_their_time_passed_until_noted_deleted(records):
    def record(due_at: float) -> dict:
        return {"status": "validated", "originals": ["o/1", "o/2"], "originals_due_at": due_at,
                "originals_deleted_at": None}  # fmt: skip

    await records.save("ds-1", record(100.0))
    await records.save("ds-2", record(200.0))
    assert await records.due_originals(50.0) == []
    assert await records.due_originals(150.0) == [("ds-1", ["o/1", "o/2"])]
    await records.originals_deleted("ds-1", 160.0)
    assert await records.due_originals(250.0) == [("ds-2", ["o/1", "o/2"])]
    assert (await records.get("ds-1"))["originals_deleted_at"] == 160.0
