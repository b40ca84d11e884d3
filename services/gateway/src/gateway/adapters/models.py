"""The models read model (gateway DB): one document per model a training made.

A model appears when its TrainingCompleted arrives and is hidden, never revived, once the
user deletes it (a late redelivery of TrainingCompleted only inserts, never overwrites).
"""

from datetime import UTC, datetime

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase


class MongoModels:
    def __init__(self, db: AsyncDatabase):
        self.models = db["models"]

    async def create_indexes(self) -> None:
        await self.models.create_index([("account_id", 1), ("created_at", DESCENDING)])

    async def add(self, model_id: str, record: dict) -> None:
        await self.models.update_one(
            {"_id": model_id}, {"$setOnInsert": record | {"deleted": False}}, upsert=True
        )

    async def get(self, account_id: str, model_id: str) -> dict | None:
        """The caller's live model; None when it is not theirs, unknown or deleted."""
        return await self.models.find_one(
            {"_id": model_id, "account_id": account_id, "deleted": False}
        )

    async def list(self, account_id: str, limit: int) -> list[dict]:
        cursor = self.models.find(
            {"account_id": account_id, "deleted": False},
            sort=[("created_at", DESCENDING)],
            limit=limit,
        )
        return [doc async for doc in cursor]

    async def mark_deleted(self, model_id: str) -> None:
        await self.models.update_one(
            {"_id": model_id}, {"$set": {"deleted": True, "deleted_at": datetime.now(UTC)}}
        )
