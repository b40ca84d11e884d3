"""Job records in the trainer's own MongoDB database: how many times a job started, and the
outcome event once there is one (re-published as is when the job is delivered again)."""

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase


class MongoJobRecords:
    def __init__(self, db: AsyncDatabase):
        self.jobs = db["jobs"]

    async def start(self, training_id: str) -> int:
        """Count one more start of the job; returns how many starts came before this one."""
        record = await self.jobs.find_one_and_update(
            {"_id": training_id},
            {"$inc": {"starts": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        return record["starts"] - 1

    async def outcome(self, training_id: str) -> dict | None:
        record = await self.jobs.find_one({"_id": training_id})
        return record.get("outcome") if record else None

    async def finish(self, training_id: str, outcome: dict) -> None:
        await self.jobs.update_one({"_id": training_id}, {"$set": {"outcome": outcome}})
