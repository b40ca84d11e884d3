"""Accounts, API keys, keyword reservations and account requests in the gateway's MongoDB
database."""

import time
from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from gateway.adapters.documents import from_doc, to_doc
from gateway.adapters.mongo_outbox import MongoOutbox
from gateway.domain.records import ApiKey
from gateway.ports import KeywordTaken, Outgoing


class MongoAccounts:
    def __init__(self, db: AsyncDatabase):
        self.accounts = db["accounts"]
        self.keys = db["api_keys"]

    async def create_indexes(self) -> None:
        await self.keys.create_index("account_id")

    async def create_account(self, account_id: str) -> None:
        await self.accounts.insert_one({"_id": account_id, "created_at": datetime.now(UTC)})

    async def account_exists(self, account_id: str) -> bool:
        return await self.accounts.count_documents({"_id": account_id}, limit=1) > 0

    async def add_key(self, key: ApiKey) -> None:
        await self.keys.insert_one(to_doc(key))

    async def key(self, key_id: str) -> ApiKey | None:
        doc = await self.keys.find_one({"_id": key_id})
        return from_doc(ApiKey, doc) if doc else None

    async def keys_of(self, account_id: str) -> list[ApiKey]:
        cursor = self.keys.find({"account_id": account_id}, sort=[("created_at", 1)])
        return [from_doc(ApiKey, doc) async for doc in cursor]

    async def revoke(self, account_id: str, key_id: str) -> bool:
        result = await self.keys.update_one(
            {"_id": key_id, "account_id": account_id},
            {"$set": {"revoked_at": datetime.now(UTC)}},
        )
        return result.matched_count == 1


class MongoKeywords:
    """A document per reservation: the embedded server has no partial unique indexes, so
    "unique among live trainings" cannot be an index on the trainings."""

    def __init__(self, db: AsyncDatabase):
        self.keywords = db["keywords"]

    async def reserve(self, account_id: str, keyword: str, training_id: str) -> None:
        doc = {"_id": f"{account_id}/{keyword}", "training_id": training_id, "at": time.time()}
        try:
            await self.keywords.insert_one(doc)
        except DuplicateKeyError:
            held = await self.keywords.find_one({"_id": doc["_id"]})
            if held is None:  # released in between: try once more
                return await self.reserve(account_id, keyword, training_id)
            if held["training_id"] != training_id:
                raise KeywordTaken(held["training_id"], held.get("at", 0.0)) from None

    async def take_over(self, account_id: str, keyword: str, holder: str, training_id: str) -> bool:
        result = await self.keywords.update_one(
            {"_id": f"{account_id}/{keyword}", "training_id": holder},
            {"$set": {"training_id": training_id, "at": time.time()}},
        )
        return result.modified_count == 1

    async def release(self, account_id: str, keyword: str, training_id: str) -> None:
        await self.keywords.delete_one(
            {"_id": f"{account_id}/{keyword}", "training_id": training_id}
        )

    async def holder(self, account_id: str, keyword: str) -> str | None:
        doc = await self.keywords.find_one({"_id": f"{account_id}/{keyword}"})
        return doc["training_id"] if doc else None


class MongoRequests(MongoOutbox):
    """Plan changes and purchases: a document per request holding just its event."""

    def __init__(self, db: AsyncDatabase):
        self.collection = db["account_requests"]

    async def create_indexes(self) -> None:
        await self.create_outbox_index()

    async def add(self, request_id: str, account_id: str, out: Outgoing) -> bool:
        doc = {"_id": request_id, "account_id": account_id, "at": datetime.now(UTC)}
        return await self.insert_or_redo(doc, out)
