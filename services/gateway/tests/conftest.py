"""Fixtures of the gateway's tests: its stores, in memory and over the real MongoDB protocol
server, so one suite checks that the fakes behave as the adapters do."""

import uuid
from types import SimpleNamespace

import pytest
from pymongo import AsyncMongoClient

from gateway import fakes
from gateway.adapters import create_indexes, mongo_stores
from gateway.adapters.sealing import SecretBox, new_key


@pytest.fixture(params=["memory", "mongo"])
async def stores(request):
    if request.param == "memory":
        yield SimpleNamespace(**fakes.memory_stores())
        return
    embedded = request.getfixturevalue("embedded")
    client = AsyncMongoClient(embedded.mongo_url)
    db = client[f"gateway_port_{uuid.uuid4().hex[:10]}"]
    stores = mongo_stores(db, SecretBox(new_key("test")))
    await create_indexes(stores)
    yield SimpleNamespace(**stores)
    await client.close()
