"""Dataset records in the dataset service's own MongoDB database."""

from pymongo.asynchronous.database import AsyncDatabase


class MongoDatasetRecords:
    def __init__(self, db: AsyncDatabase):
        self.datasets = db["datasets"]

    async def create_indexes(self) -> None:
        await self.datasets.create_index("originals_due_at")

    async def save(self, dataset_id: str, record: dict) -> None:
        # the id goes in the document too: the embedded server's upsert ignores the filter's
        # and would insert a new document under a random id each time
        await self.datasets.replace_one(
            {"_id": dataset_id}, {"_id": dataset_id} | record, upsert=True
        )

    async def get(self, dataset_id: str) -> dict | None:
        return await self.datasets.find_one({"_id": dataset_id}, projection={"_id": False})

    async def due_originals(self, now: float) -> list[tuple[str, list[str]]]:
        due = self.datasets.find(
            {"originals_due_at": {"$lte": now}, "originals_deleted_at": None},
            projection={"originals": True},
        )
        return [(doc["_id"], doc.get("originals", [])) async for doc in due]

    async def originals_deleted(self, dataset_id: str, now: float) -> None:
        await self.datasets.update_one({"_id": dataset_id}, {"$set": {"originals_deleted_at": now}})
