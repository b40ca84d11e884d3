"""The views in the gateway's MongoDB database: trainings, models and generations, one
document each, with the outbox of the writes the gateway announces."""

from datetime import UTC, datetime

from pymongo import DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from gateway.adapters.documents import as_datetime, from_doc, to_doc
from gateway.adapters.mongo_outbox import CANCELLED, SENT, MongoOutbox, outbox_fields
from gateway.domain.facts import Change
from gateway.domain.queue_places import remaining
from gateway.domain.records import Generation, Model, Training
from gateway.domain.statuses import TrainingStatus
from gateway.ports import Outgoing


class _View(MongoOutbox):
    kind: type
    live: dict = {}  # what a record must have to be listed and found

    def __init__(self, db: AsyncDatabase, name: str):
        self.collection = db[name]

    async def create_indexes(self) -> None:
        await self.collection.create_index([("account_id", 1), ("created_at", DESCENDING)])
        await self.create_outbox_index()

    async def get(self, account_id: str, record_id: str):
        doc = await self.collection.find_one(
            {"_id": record_id, "account_id": account_id} | self.live
        )
        return from_doc(self.kind, doc) if doc else None

    async def versions(self, record_ids: list[str]) -> dict:
        found = self.collection.find({"_id": {"$in": record_ids}} | self.live, {"updated_at": 1})
        return {doc["_id"]: as_datetime(doc["updated_at"]) async for doc in found}

    async def list(self, account_id: str, limit: int) -> list:
        cursor = self.collection.find(
            {"account_id": account_id} | self.live, sort=[("created_at", DESCENDING)], limit=limit
        )
        return [from_doc(self.kind, doc) async for doc in cursor]

    async def apply(self, record_id: str, change: Change):
        query: dict = {"_id": record_id}
        if change.only_from is not None:
            query["status"] = {"$in": [str(status) for status in change.only_from]}
        fields = {k: str(v) if k == "status" else v for k, v in change.fields.items()}
        doc = await self.collection.find_one_and_update(
            query,
            {"$set": fields | {"updated_at": datetime.now(UTC)}},
            return_document=ReturnDocument.AFTER,
        )
        return from_doc(self.kind, doc) if doc else None

    async def create(self, record, out: Outgoing) -> bool:
        return await self.insert_or_redo(to_doc(record), out)


class MongoTrainings(_View):
    kind = Training

    def __init__(self, db: AsyncDatabase):
        super().__init__(db, "trainings")

    async def find(self, training_id: str) -> Training | None:
        doc = await self.collection.find_one({"_id": training_id})
        return from_doc(Training, doc) if doc else None

    async def request_cancel(self, account_id: str, training_id: str, out: Outgoing) -> bool:
        ended = [str(status) for status in TrainingStatus if status.ended]
        result = await self.collection.update_one(
            {
                "_id": training_id,
                "account_id": account_id,
                "cancel_requested_at": None,
                "outbox_state": {"$in": [SENT, CANCELLED]},  # nothing unsent overwritten
                "status": {"$nin": ended},
            },
            {"$set": {"cancel_requested_at": datetime.now(UTC)} | outbox_fields(out)},
        )
        return result.modified_count == 1

    async def create_indexes(self) -> None:
        await super().create_indexes()
        await self.collection.create_index([("status", 1), ("queue_key", 1)])

    async def unfinished(self, account_id: str) -> int:
        ended = [str(status) for status in TrainingStatus if status.ended]
        return await self.collection.count_documents(
            {"account_id": account_id, "status": {"$nin": ended}}
        )

    async def queued_ahead(self, queue_key: float) -> int:
        return await self.collection.count_documents(
            {"status": str(TrainingStatus.QUEUED), "queue_key": {"$lt": queue_key}}
        )

    async def running_etas(self) -> list[float]:
        cursor = self.collection.find({"status": str(TrainingStatus.TRAINING)})
        return [remaining(from_doc(Training, doc)) async for doc in cursor]

    async def recent_durations(self, limit: int) -> list[float]:
        cursor = self.collection.find(
            {"status": str(TrainingStatus.COMPLETED), "duration_s": {"$ne": None}},
            projection=["duration_s"],
            sort=[("updated_at", DESCENDING)],
            limit=limit,
        )
        return [doc["duration_s"] async for doc in cursor]

    async def retraining(self, account_id: str, model_id: str) -> Training | None:
        ended = [str(status) for status in TrainingStatus if status.ended]
        doc = await self.collection.find_one(
            {"account_id": account_id, "version_of": model_id, "status": {"$nin": ended}}
        )
        return from_doc(Training, doc) if doc else None


class MongoGenerations(_View):
    kind = Generation

    def __init__(self, db: AsyncDatabase):
        super().__init__(db, "generations")


class MongoModels(_View):
    """A model appears with its TrainingCompleted and is hidden, never revived, once deleted
    (a late redelivery of TrainingCompleted only inserts, never overwrites)."""

    kind = Model
    live = {"deleted": False}

    def __init__(self, db: AsyncDatabase):
        super().__init__(db, "models")

    async def create_indexes(self) -> None:
        await super().create_indexes()
        await self.collection.create_index([("family_id", 1), ("version", 1)])

    async def add(self, model: Model) -> None:
        await self.collection.update_one(
            {"_id": model.model_id}, {"$setOnInsert": to_doc(model)}, upsert=True
        )

    async def delete(self, model_id: str, out: Outgoing) -> bool:
        changes = {"deleted": True, "deleted_at": datetime.now(UTC)} | outbox_fields(out)
        result = await self.collection.update_one(
            {"_id": model_id, "deleted": False}, {"$set": changes}
        )
        return result.modified_count == 1

    async def find(self, model_id: str) -> Model | None:
        doc = await self.collection.find_one({"_id": model_id})
        return from_doc(Model, doc) if doc else None

    async def family(self, account_id: str, family_id: str) -> list[Model]:
        cursor = self.collection.find(
            {"account_id": account_id, **self._of(family_id)} | self.live, sort=[("version", 1)]
        )
        return [from_doc(Model, doc) async for doc in cursor]

    async def last_version(self, family_id: str) -> int:
        cursor = self.collection.find(self._of(family_id), sort=[("version", DESCENDING)], limit=1)
        return max([doc.get("version", 1) async for doc in cursor], default=0)

    @staticmethod
    def _of(family_id: str) -> dict:
        # a first version made before versions existed has no family_id: its own id names it
        return {"$or": [{"family_id": family_id}, {"_id": family_id}]}
