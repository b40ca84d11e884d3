"""The generations read model (gateway DB): one document per generation request."""

from datetime import UTC, datetime

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError


class MongoGenerations:
    def __init__(self, db: AsyncDatabase):
        self.generations = db["generations"]

    async def create_indexes(self) -> None:
        await self.generations.create_index([("account_id", 1), ("created_at", DESCENDING)])

    async def create(self, record: dict) -> bool:
        """False when a request with this id is already recorded (a retried request)."""
        now = datetime.now(UTC)
        try:
            await self.generations.insert_one(record | {"created_at": now, "updated_at": now})
        except DuplicateKeyError:
            return False
        return True

    async def update(
        self, generation_id: str, changes: dict, only_from: tuple[str, ...] | None = None
    ) -> dict | None:
        """Apply `changes`; with `only_from`, only while the status is one of those (so a
        late or repeated fact never moves a generation back)."""
        query: dict = {"_id": generation_id}
        if only_from is not None:
            query["status"] = {"$in": list(only_from)}
        return await self.generations.find_one_and_update(
            query, {"$set": changes | {"updated_at": datetime.now(UTC)}}, return_document=True
        )

    async def get(self, account_id: str, generation_id: str) -> dict | None:
        return await self.generations.find_one({"_id": generation_id, "account_id": account_id})

    async def list(self, account_id: str, limit: int) -> list[dict]:
        cursor = self.generations.find(
            {"account_id": account_id}, sort=[("created_at", DESCENDING)], limit=limit
        )
        return [doc async for doc in cursor]
