"""Idempotency-Key records in the gateway's MongoDB database: a document per key, claimed by
an insert (the unique `_id` lets exactly one request win), completed with its answer.

A claim whose request never completed (its gateway died, nobody retried) expires after
ABANDONED_KEEP_S; an answer holding a secret at its `expires_at`; other answers are kept
(adapters.expiry)."""

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from gateway.adapters.expiry import FIELD, expire_at, ttl_index
from gateway.ports import Remembered

ABANDONED_KEEP_S = 7 * 24 * 3600.0


def _remembered(doc: dict) -> Remembered:
    return Remembered(
        fingerprint=doc["fingerprint"],
        claimed_at=doc["claimed_at"],
        status_code=doc.get("status_code"),
        body=doc.get("body"),
        expires_at=doc.get("expires_at"),
    )


class MongoIdempotency:
    def __init__(self, db: AsyncDatabase):
        self.keys = db["idempotency_keys"]

    async def create_indexes(self) -> None:
        await self.keys.create_index("expires_at")
        await ttl_index(self.keys)

    async def claim(self, key: str, fingerprint: str, now: float) -> Remembered | None:
        try:
            doc = {"_id": key, "fingerprint": fingerprint, "claimed_at": now}
            await self.keys.insert_one(doc | expire_at(now + ABANDONED_KEEP_S))
            return None
        except DuplicateKeyError:
            doc = await self.keys.find_one({"_id": key})
        return _remembered(doc) if doc else await self.claim(key, fingerprint, now)

    async def take_over(self, key: str, stale: Remembered, fingerprint: str, now: float) -> bool:
        # a whole-document write: the embedded server keeps a float that `$set` writes to 14
        # digits only, and `complete` finds the claim by this exact time
        doc = {"_id": key, "fingerprint": fingerprint, "claimed_at": now}
        result = await self.keys.replace_one(
            {"_id": key, "claimed_at": stale.claimed_at, "status_code": None},
            doc | expire_at(now + ABANDONED_KEEP_S),
        )
        return result.modified_count == 1

    async def complete(self, key: str, answer: Remembered) -> None:
        answered = {
            "status_code": answer.status_code,
            "body": answer.body,
            "expires_at": answer.expires_at,
        }
        if answer.expires_at is None:
            change = {"$set": answered, "$unset": {FIELD: ""}}
        else:
            change = {"$set": answered | expire_at(answer.expires_at)}
        await self.keys.update_one({"_id": key, "claimed_at": answer.claimed_at}, change)

    async def release(self, key: str, claimed_at: float) -> None:
        await self.keys.delete_one({"_id": key, "claimed_at": claimed_at, "status_code": None})

    async def forget_expired(self, now: float) -> int:
        result = await self.keys.delete_many({"expires_at": {"$lt": now}})
        return result.deleted_count
