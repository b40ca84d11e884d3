"""Idempotency-Key records in the gateway's MongoDB database: a document per key, claimed by
an insert (the unique `_id` lets exactly one request win), completed with its answer."""

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from gateway.ports import Remembered


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

    async def claim(self, key: str, fingerprint: str, now: float) -> Remembered | None:
        try:
            await self.keys.insert_one({"_id": key, "fingerprint": fingerprint, "claimed_at": now})
            return None
        except DuplicateKeyError:
            doc = await self.keys.find_one({"_id": key})
        return _remembered(doc) if doc else await self.claim(key, fingerprint, now)

    async def take_over(self, key: str, stale: Remembered, fingerprint: str, now: float) -> bool:
        result = await self.keys.update_one(
            {"_id": key, "claimed_at": stale.claimed_at, "status_code": None},
            {"$set": {"fingerprint": fingerprint, "claimed_at": now}},
        )
        return result.modified_count == 1

    async def complete(self, key: str, answer: Remembered) -> None:
        await self.keys.update_one(
            {"_id": key, "claimed_at": answer.claimed_at},
            {
                "$set": {
                    "status_code": answer.status_code,
                    "body": answer.body,
                    "expires_at": answer.expires_at,
                }
            },
        )

    async def release(self, key: str, claimed_at: float) -> None:
        await self.keys.delete_one({"_id": key, "claimed_at": claimed_at, "status_code": None})

    async def forget_expired(self, now: float) -> int:
        result = await self.keys.delete_many({"expires_at": {"$lt": now}})
        return result.deleted_count
