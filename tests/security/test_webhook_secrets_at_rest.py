"""Webhook signing secrets are sealed at rest (AES-256-GCM under AITRAIN_SECRET_KEYS): a copy
of the database — a backup, a dump, a read-only account — signs no webhook. Each sealed value
names its key, so keys rotate: a new key first seals, the old ones still open, and the gateway
re-seals what an old key sealed when it starts. On the real MongoDB protocol server."""

import uuid
from base64 import b64encode

import pytest
from pymongo import AsyncMongoClient

from gateway.adapters.mongo_webhooks import MongoWebhookEndpoints
from gateway.adapters.sealing import SecretBox, new_key
from gateway.domain.webhooks import Endpoint

SECRET = "whsec_" + b64encode(b"twenty-four random bytes").decode()


def endpoint(endpoint_id: str = "we_1") -> Endpoint:
    return Endpoint(endpoint_id, "acct-1", "https://hooks.example.com/h", ["training.completed"],
                    SECRET, created_at=1000.0)  # fmt: skip


@pytest.fixture
async def db(embedded):
    client = AsyncMongoClient(embedded.mongo_url)
    yield client[f"secrets_{uuid.uuid4().hex[:10]}"]
    await client.close()


async def raw_documents(db) -> str:
    return repr([doc async for doc in db["webhook_endpoints"].find({})])


async def test_the_database_holds_no_secret_bytes(db):
    store = MongoWebhookEndpoints(db, SecretBox(new_key("k1")))
    await store.add(endpoint())
    held = await raw_documents(db)
    for form in (SECRET, SECRET.removeprefix("whsec_"), "twenty-four random bytes"):
        assert form not in held
    assert (await store.find("we_1")).secret == SECRET  # and the gateway still signs with it


async def test_a_key_rotates_and_the_gateway_reseals_at_start(db):
    old, new = new_key("k1"), new_key("k2")
    await MongoWebhookEndpoints(db, SecretBox(old)).add(endpoint())
    rotated = MongoWebhookEndpoints(db, SecretBox(f"{new},{old}"))
    assert (await rotated.find("we_1")).secret == SECRET  # the old key still opens
    await rotated.create_indexes()  # at start: re-sealed under the first key
    assert "sealed:v1:k2:" in await raw_documents(db)
    assert (await MongoWebhookEndpoints(db, SecretBox(new)).find("we_1")).secret == SECRET


async def test_a_secret_written_before_sealing_is_sealed_at_start(db):
    await db["webhook_endpoints"].insert_one({
        "_id": "we_old", "account_id": "acct-1", "url": "https://hooks.example.com/h",
        "events": ["training.completed"], "secret": SECRET, "created_at": 1000.0,
    })  # fmt: skip
    store = MongoWebhookEndpoints(db, SecretBox(new_key("k1")))
    await store.create_indexes()
    assert SECRET not in await raw_documents(db)
    assert (await store.find("we_old")).secret == SECRET


async def test_a_sealed_secret_moved_to_another_endpoint_does_not_open(db):
    store = MongoWebhookEndpoints(db, SecretBox(new_key("k1")))
    await store.add(endpoint("we_1"))
    sealed = (await db["webhook_endpoints"].find_one({"_id": "we_1"}))["secret"]
    await store.add(endpoint("we_2"))
    await db["webhook_endpoints"].update_one({"_id": "we_2"}, {"$set": {"secret": sealed}})
    with pytest.raises(ValueError, match="we_2"):
        await store.find("we_2")


def test_keys_that_cannot_seal_are_refused_with_what_to_fix():
    with pytest.raises(ValueError, match="AITRAIN_SECRET_KEYS"):
        SecretBox("")
    with pytest.raises(ValueError, match="32 bytes"):
        SecretBox("k1:c2hvcnQ=")
