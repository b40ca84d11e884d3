"""Dataset records in the dataset service's own MongoDB database."""

from pymongo.asynchronous.database import AsyncDatabase


class MongoDatasetRecords:
    def __init__(self, db: AsyncDatabase):
        self.datasets = db["datasets"]

    async def save(self, dataset_id: str, record: dict) -> None:
        # the id goes in the document too: the embedded server's upsert ignores the filter's
        # and would insert a new document under a random id each time
        await self.datasets.replace_one(
            {"_id": dataset_id}, {"_id": dataset_id} | record, upsert=True
        )

    async def get(self, dataset_id: str) -> dict | None:
        return await self.datasets.find_one({"_id": dataset_id}, projection={"_id": False})
