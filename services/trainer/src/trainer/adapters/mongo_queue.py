"""The job queue in the trainer's database: one document per job, `{_id: training id, job
(TrainingCharged as JSON), key, state: waiting|taken|done, turn, cancelled, done_s}`; ended
jobs are dropped after KEEP_DONE_S.

`turn` is unique: a waiting job holds a placeholder of its own, a taken one its turn. So when
a turn is delivered twice at once (JetStream redelivers it to another process while the
first is still taking), only one of the two binds a job; the other finds that job."""

import time
from contextlib import suppress
from datetime import UTC, datetime

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from contracts.events import TrainingCharged
from trainer.queue import key_of

FIRST = [("cancelled", DESCENDING), ("key", ASCENDING), ("_id", ASCENDING)]
CANDIDATES = 8
"""Waiting jobs read per try: another process may take the first ones meanwhile."""
KEEP_DONE_S = 7 * 86400.0
"""How long an ended job stays bound to its turn (a turn delivered again, e.g. a dead letter
replayed, then re-sends its outcome); after that a stray turn takes a waiting job, which is
harmless: that job's own turn then finds nothing."""


class MongoJobQueue:
    def __init__(self, jobs: AsyncCollection, keep_done_s: float = KEEP_DONE_S):
        self.jobs, self.keep_done_s = jobs, keep_done_s

    async def create_indexes(self) -> None:
        # not `_id` in it: the embedded server cannot index that path
        await self.jobs.create_index([("state", ASCENDING), *FIRST[:2]])
        await self._turns_made_unique()

    async def _turns_made_unique(self) -> None:
        """Before turns were unique, waiting jobs held none and the index allowed twins."""
        async for doc in self.jobs.find({"turn": None}):
            await self.jobs.update_one({"_id": doc["_id"]}, {"$set": {"turn": _unbound(doc)}})
        async for index in await self.jobs.list_indexes():
            if dict(index["key"]) == {"turn": 1} and not index.get("unique"):
                await self.jobs.drop_index(index["name"])
        await self.jobs.create_index("turn", unique=True)

    async def add(self, job: TrainingCharged) -> None:
        entry = {
            "job": job.model_dump_json(),  # text: stored and read back exactly
            "key": key_of(job),
            "state": "waiting",
            "turn": _unbound({"_id": job.training_id}),
            "cancelled": 0,
            "added_at": datetime.now(UTC),
        }
        # DuplicateKeyError: added at the same moment by the queue's consumer
        with suppress(DuplicateKeyError):
            await self.jobs.update_one(
                {"_id": job.training_id}, {"$setOnInsert": entry}, upsert=True
            )

    async def take(self, turn: str) -> TrainingCharged | None:
        if bound := await self.jobs.find_one({"turn": turn}):
            return TrainingCharged.model_validate_json(bound["job"])
        while True:
            cursor = self.jobs.find({"state": "waiting"}, sort=FIRST, limit=CANDIDATES)
            candidates = [doc async for doc in cursor]
            if not candidates:
                return None
            for doc in candidates:
                try:
                    taken = await self.jobs.update_one(
                        {"_id": doc["_id"], "state": "waiting"},
                        {"$set": {"state": "taken", "turn": turn, "taken_at": datetime.now(UTC)}},
                    )
                except DuplicateKeyError:  # the same turn, delivered again, bound one meanwhile
                    return await self.take(turn)
                if taken.modified_count == 1:
                    return TrainingCharged.model_validate_json(doc["job"])

    async def cancel(self, training_id: str) -> None:
        await self.jobs.update_one(
            {"_id": training_id, "state": "waiting"}, {"$set": {"cancelled": 1}}
        )

    async def finish(self, training_id: str) -> None:
        now = time.time()
        await self.jobs.update_one({"_id": training_id}, {"$set": {"state": "done", "done_s": now}})
        await self.jobs.delete_many({"state": "done", "done_s": {"$lt": now - self.keep_done_s}})

    async def waiting(self) -> int:
        return await self.jobs.count_documents({"state": "waiting"})


def _unbound(doc: dict) -> str:
    return f"waiting:{doc['_id']}"
