"""The trainings read model, keyword reservations and idempotency records (gateway DB)."""

from contextlib import suppress
from datetime import UTC, datetime

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError


class KeywordTaken(Exception):
    pass


class MongoTrainings:
    def __init__(self, db: AsyncDatabase):
        self.trainings = db["trainings"]
        self.keywords = db["keywords"]
        self.idempotency = db["idempotency"]

    async def create_indexes(self) -> None:
        await self.trainings.create_index([("account_id", 1), ("created_at", DESCENDING)])

    async def reserve_keyword(self, account_id: str, keyword: str, training_id: str) -> None:
        """One live training or model per keyword and account (a document per reservation:
        the embedded MongoDB has no partial unique indexes)."""
        try:
            await self.keywords.insert_one(
                {"_id": f"{account_id}/{keyword}", "training_id": training_id}
            )
        except DuplicateKeyError as exc:
            raise KeywordTaken(keyword) from exc

    async def release_keyword(self, account_id: str, keyword: str, training_id: str) -> None:
        await self.keywords.delete_one(
            {"_id": f"{account_id}/{keyword}", "training_id": training_id}
        )

    async def create(self, record: dict) -> None:
        now = datetime.now(UTC)
        await self.trainings.insert_one(record | {"created_at": now, "updated_at": now})

    async def update(self, training_id: str, changes: dict) -> dict | None:
        return await self.trainings.find_one_and_update(
            {"_id": training_id},
            {"$set": changes | {"updated_at": datetime.now(UTC)}},
            return_document=True,
        )

    async def get(self, account_id: str, training_id: str) -> dict | None:
        return await self.trainings.find_one({"_id": training_id, "account_id": account_id})

    async def list(self, account_id: str, limit: int) -> list[dict]:
        cursor = self.trainings.find(
            {"account_id": account_id}, sort=[("created_at", DESCENDING)], limit=limit
        )
        return [doc async for doc in cursor]

    async def remembered(self, account_id: str, key: str) -> dict | None:
        return await self.idempotency.find_one({"_id": f"{account_id}/{key}"})

    async def remember(self, account_id: str, key: str, fingerprint: str, response: dict):
        """Keep the response of an idempotent request; the first writer wins a race."""
        with suppress(DuplicateKeyError):
            await self.idempotency.insert_one(
                {"_id": f"{account_id}/{key}", "fingerprint": fingerprint, "response": response}
            )
