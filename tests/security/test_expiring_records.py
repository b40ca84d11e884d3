"""Nothing that expires is kept forever: sessions, set-password links, sign-in failure counts,
provider events, upload usage and abandoned idempotency claims carry `expire_at`, a BSON date
under a TTL index, and the server deletes them once that time has passed. Found by a review
against MongoDB's documented semantics: times stored as epoch floats cannot expire through a
TTL index. On the embedded server (which honours TTL indexes at the next read), or on the
MongoDB that MONGO_URL names (whose TTL monitor runs once a minute)."""

import asyncio
import os
import time
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from pymongo import AsyncMongoClient

from gateway.adapters import create_indexes, mongo_stores
from gateway.adapters.mongo_checkouts import EVENTS_KEEP_S, USAGE_KEEP_S
from gateway.adapters.mongo_idempotency import ABANDONED_KEEP_S
from gateway.adapters.sealing import SecretBox, new_key
from gateway.domain.records import Session
from gateway.ports import Remembered

EXPIRING = (
    "sessions",
    "password_links",
    "sign_in_failures",
    "payment_events",
    "upload_usage",
    "idempotency_keys",
)
# a real MongoDB deletes expired documents in its TTL monitor's next round (every 60 s)
GONE_WITHIN_S = 75.0 if os.environ.get("MONGO_URL") else 5.0


@pytest.fixture
async def db(embedded):
    client = AsyncMongoClient(embedded.mongo_url)
    db = client[f"expiry_{uuid.uuid4().hex[:10]}"]
    stores = mongo_stores(db, SecretBox(new_key("test")))
    await create_indexes(stores)
    yield db, SimpleNamespace(**stores)
    await client.close()


def _epoch(value: datetime | str) -> float:
    """A stored date as epoch seconds (the embedded server gives `$set` dates back as text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC).timestamp()


async def _write_each(stores, t: float) -> None:
    """One record of every expiring kind, as the gateway writes them, relative to `t`."""
    await stores.logins.add_session(Session("ses-1", "acct-1", "a@example.com", "c", t, t + 60))
    await stores.logins.add_link("link-1", "a@example.com", t + 60)
    await stores.failures.attempt("email:a@example.com", t, window_s=60)
    await stores.checkouts.note_event("acct-1", "evt_1", t)
    await stores.upload_usage.add("acct-1", "trn-1", 100, t)
    await stores.idempotency.claim("acct-1/abandoned", "print", t)


async def test_each_expiring_record_has_a_ttl_index_and_a_date_to_go(db):
    db, stores = db
    t = time.time()
    await _write_each(stores, t)
    for name in EXPIRING:
        indexes = [i async for i in await db[name].list_indexes()]
        ttl = [i for i in indexes if dict(i["key"]) == {"expire_at": 1}]
        assert [i.get("expireAfterSeconds") for i in ttl] == [0], name
    expected = {
        "sessions": t + 60,
        "password_links": t + 60,
        "sign_in_failures": t + 60,
        "payment_events": t + EVENTS_KEEP_S,
        "upload_usage": t + USAGE_KEEP_S,
        "idempotency_keys": t + ABANDONED_KEEP_S,
    }
    for name, when in expected.items():
        [doc] = await db[name].find({}).to_list()
        assert _epoch(doc["expire_at"]) == pytest.approx(when, abs=0.002), name  # ms precision


async def test_an_answer_is_kept_unless_it_holds_a_secret(db):
    db, stores = db
    keys, t = stores.idempotency, time.time()
    for key in ("acct-1/kept", "acct-1/secret"):
        await keys.claim(key, "print", t)
    await keys.complete("acct-1/kept", Remembered("print", t, 202, {"id": "trn-1"}))
    secret = Remembered("print", t, 201, {"api_key": "s"}, expires_at=t + 3600)
    await keys.complete("acct-1/secret", secret)
    kept = await db["idempotency_keys"].find_one({"_id": "acct-1/kept"})
    assert "expire_at" not in kept  # the same key gets the same answer, forever
    held = await db["idempotency_keys"].find_one({"_id": "acct-1/secret"})
    assert _epoch(held["expire_at"]) == pytest.approx(t + 3600, abs=0.002)


async def test_expired_records_are_deleted_by_the_server(db):
    db, stores = db
    long_ago = time.time() - 10 * EVENTS_KEEP_S  # every kind of record has expired by now
    await _write_each(stores, long_ago)
    deadline = time.monotonic() + GONE_WITHIN_S
    while True:
        left = {name: await db[name].count_documents({}) for name in EXPIRING}
        if not any(left.values()) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    assert left == dict.fromkeys(EXPIRING, 0)
