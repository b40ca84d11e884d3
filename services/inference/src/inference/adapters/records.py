"""Request records in the inference service's own MongoDB database: the outcome event of a
generation once there is one (re-published as is when the request is delivered again)."""

from pymongo.asynchronous.database import AsyncDatabase


class MongoGenerationRecords:
    def __init__(self, db: AsyncDatabase):
        self.jobs = db["generations"]

    async def outcome(self, generation_id: str) -> dict | None:
        record = await self.jobs.find_one({"_id": generation_id})
        return record.get("outcome") if record else None

    async def finish(self, generation_id: str, outcome: dict) -> None:
        await self.jobs.update_one(
            {"_id": generation_id}, {"$set": {"outcome": outcome}}, upsert=True
        )
