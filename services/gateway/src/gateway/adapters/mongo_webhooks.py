"""Webhook endpoints, deliveries and attempts in the gateway's database. An attempt is a
document of its own, never an array element (the embedded server stores pushed documents as
text). Times are epoch seconds: plain numbers compare the same on every server. Signing
secrets are sealed (adapters/sealing.py): the database never holds one in the clear."""

import contextlib
import uuid

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from gateway.adapters.documents import from_doc, to_doc
from gateway.adapters.sealing import SecretBox
from gateway.domain.webhooks import PENDING, Attempt, Delivery, Endpoint

CHANGEABLE = ("url", "events", "description", "enabled", "disabled_reason", "disabled_at")


class MongoWebhookEndpoints:
    def __init__(self, db: AsyncDatabase, box: SecretBox):
        self.collection = db["webhook_endpoints"]
        self.box = box

    async def create_indexes(self) -> None:
        await self.collection.create_index([("account_id", 1), ("created_at", 1)])
        await self.reseal()

    async def reseal(self) -> None:
        """Seal under the current key what an older key sealed, or nothing did (at start)."""
        for doc in [doc async for doc in self.collection.find({}, projection=["secret"])]:
            if not self.box.sealed_now(doc["secret"]):
                secret = self.box.open(doc["secret"], doc["_id"])
                await self.collection.update_one(
                    {"_id": doc["_id"], "secret": doc["secret"]},  # unless changed meanwhile
                    {"$set": {"secret": self.box.seal(secret, doc["_id"])}},
                )

    async def add(self, endpoint: Endpoint) -> None:
        doc = to_doc(endpoint) | {"secret": self.box.seal(endpoint.secret, endpoint.endpoint_id)}
        with contextlib.suppress(DuplicateKeyError):  # the same request, run again
            await self.collection.insert_one(doc)

    async def get(self, account_id: str, endpoint_id: str) -> Endpoint | None:
        doc = await self.collection.find_one({"_id": endpoint_id, "account_id": account_id})
        return self._opened(doc) if doc else None

    async def find(self, endpoint_id: str) -> Endpoint | None:
        doc = await self.collection.find_one({"_id": endpoint_id})
        return self._opened(doc) if doc else None

    async def of_account(self, account_id: str) -> list[Endpoint]:
        cursor = self.collection.find({"account_id": account_id}, sort=[("created_at", 1)])
        return [self._opened(doc) async for doc in cursor]

    def _opened(self, doc: dict) -> Endpoint:
        return from_doc(Endpoint, doc | {"secret": self.box.open(doc["secret"], doc["_id"])})

    async def save(self, endpoint: Endpoint) -> None:
        doc = to_doc(endpoint)
        await self.collection.update_one(
            {"_id": endpoint.endpoint_id}, {"$set": {name: doc[name] for name in CHANGEABLE}}
        )

    async def delete(self, account_id: str, endpoint_id: str) -> bool:
        gone = await self.collection.delete_one({"_id": endpoint_id, "account_id": account_id})
        return gone.deleted_count == 1


class MongoWebhookDeliveries:
    def __init__(self, db: AsyncDatabase):
        self.collection = db["webhook_deliveries"]
        self.attempts = db["webhook_attempts"]

    async def create_indexes(self) -> None:
        await self.collection.create_index([("state", 1), ("next_at", 1)])
        await self.collection.create_index([("endpoint_id", 1), ("created_at", DESCENDING)])
        await self.collection.create_index([("created_at", 1)])
        await self.attempts.create_index([("delivery_id", 1)])
        await self.attempts.create_index([("endpoint_id", 1)])

    async def add(self, delivery: Delivery) -> bool:
        try:
            await self.collection.insert_one(to_doc(delivery))
        except DuplicateKeyError:
            return False
        return True

    async def claim_due(self, now: float, lease_s: float, limit: int) -> list[Delivery]:
        due = {"state": PENDING, "next_at": {"$lte": now}}
        cursor = self.collection.find(due, sort=[("next_at", 1)], limit=limit)
        claimed = []
        for doc in [doc async for doc in cursor]:
            mine = {"claim": uuid.uuid4().hex, "next_at": now + lease_s}
            took = await self.collection.update_one(  # unless another replica took it
                {"_id": doc["_id"], "state": PENDING, "claim": doc.get("claim", "")},
                {"$set": mine},
            )
            if took.modified_count == 1:
                claimed.append(from_doc(Delivery, doc | mine))
        return claimed

    async def settle(self, delivery: Delivery) -> None:
        doc = to_doc(delivery)
        changed = ("state", "attempts", "next_at", "last_status", "last_error")
        await self.collection.update_one(
            {"_id": delivery.delivery_id, "state": PENDING, "claim": delivery.claim},
            {"$set": {name: doc[name] for name in changed}},
        )

    async def add_attempt(self, attempt: Attempt) -> None:
        with contextlib.suppress(DuplicateKeyError):  # written before its claimant died
            await self.attempts.insert_one(to_doc(attempt))

    async def get(self, account_id: str, delivery_id: str) -> Delivery | None:
        doc = await self.collection.find_one({"_id": delivery_id, "account_id": account_id})
        return from_doc(Delivery, doc) if doc else None

    async def of_endpoint(self, account_id: str, endpoint_id: str, limit: int) -> list[Delivery]:
        cursor = self.collection.find(
            {"endpoint_id": endpoint_id, "account_id": account_id},
            sort=[("created_at", DESCENDING)],
            limit=limit,
        )
        return [from_doc(Delivery, doc) async for doc in cursor]

    async def attempts_of(self, delivery_ids: list[str]) -> list[Attempt]:
        cursor = self.attempts.find({"delivery_id": {"$in": delivery_ids}}, sort=[("at", 1)])
        return [from_doc(Attempt, doc) async for doc in cursor]

    async def forget(self, endpoint_id: str) -> None:
        await self.collection.delete_many({"endpoint_id": endpoint_id})
        await self.attempts.delete_many({"endpoint_id": endpoint_id})

    async def forget_older_than(self, at: float) -> int:
        old = [
            doc["_id"] async for doc in self.collection.find({"created_at": {"$lt": at}}, ["_id"])
        ]
        if old:
            await self.attempts.delete_many({"delivery_id": {"$in": old}})
            await self.collection.delete_many({"_id": {"$in": old}})
        return len(old)
