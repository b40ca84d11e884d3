"""Dataset records in the dataset service's own MongoDB database."""

from pymongo.asynchronous.database import AsyncDatabase


class MongoDatasetRecords:
    def __init__(self, db: AsyncDatabase):
        self.datasets = db["datasets"]

    async def save(self, dataset_id: str, record: dict) -> None:
        await self.datasets.replace_one({"_id": dataset_id}, record, upsert=True)
