"""Job records in MongoDB: one document per job, `{_id: job id, starts, cancel, outcome}`, in a
collection of the service's own database (the trainer's "jobs", inference's "generations")."""

from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection


class MongoOutcomeRecords:
    def __init__(self, jobs: AsyncCollection):
        self.jobs = jobs

    async def start(self, job_id: str) -> int:
        record = await self.jobs.find_one_and_update(
            {"_id": job_id},
            {"$inc": {"starts": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        return record["starts"] - 1

    async def outcome(self, job_id: str) -> dict | None:
        record = await self.jobs.find_one({"_id": job_id})
        return record.get("outcome") if record else None

    async def finish(self, job_id: str, outcome: dict) -> None:
        # upsert: a job that never counted its starts has no document yet
        await self.jobs.update_one({"_id": job_id}, {"$set": {"outcome": outcome}}, upsert=True)

    async def cancel(self, job_id: str) -> None:
        # a string, not True: the embedded server gives $set booleans back as integers
        await self.jobs.update_one({"_id": job_id}, {"$set": {"cancel": "requested"}}, upsert=True)

    async def cancel_requested(self, job_id: str) -> bool:
        record = await self.jobs.find_one({"_id": job_id}, projection=["cancel"])
        return bool(record) and record.get("cancel") == "requested"
