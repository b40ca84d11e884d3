"""Fixtures of the gateway's tests: its stores, in memory and over the real MongoDB protocol
server, so one suite checks that the fakes behave as the adapters do."""

import uuid
from types import SimpleNamespace

import pytest
from pymongo import AsyncMongoClient

from gateway import fakes
from gateway.adapters.mongo_accounts import MongoAccounts, MongoKeywords, MongoRequests
from gateway.adapters.mongo_idempotency import MongoIdempotency
from gateway.adapters.mongo_views import MongoGenerations, MongoModels, MongoTrainings


@pytest.fixture(params=["memory", "mongo"])
async def stores(request):
    if request.param == "memory":
        yield SimpleNamespace(
            accounts=fakes.MemoryAccounts(),
            keywords=fakes.MemoryKeywords(),
            trainings=fakes.MemoryTrainings(),
            models=fakes.MemoryModels(),
            generations=fakes.MemoryGenerations(),
            requests=fakes.MemoryRequests(),
            idempotency=fakes.MemoryIdempotency(),
        )
        return
    embedded = request.getfixturevalue("embedded")
    client = AsyncMongoClient(embedded.mongo_url)
    db = client[f"gateway_port_{uuid.uuid4().hex[:10]}"]
    made = SimpleNamespace(
        accounts=MongoAccounts(db),
        keywords=MongoKeywords(db),
        trainings=MongoTrainings(db),
        models=MongoModels(db),
        generations=MongoGenerations(db),
        requests=MongoRequests(db),
        idempotency=MongoIdempotency(db),
    )
    for store in vars(made).values():
        if hasattr(store, "create_indexes"):
            await store.create_indexes()
    yield made
    await client.close()
