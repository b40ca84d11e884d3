"""Checkouts, the provider events applied per account, and upload usage, in the gateway's
MongoDB.

Times are epoch seconds, as in mongo_logins; provider events and upload usage expire
(adapters.expiry) once nothing reads them."""

import contextlib

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from gateway.adapters.expiry import expire_at, ttl_index
from gateway.domain.payments import Checkout

EVENTS_KEEP_S = 90 * 24 * 3600.0
"""A provider redelivers an event for days at most (Stripe: 3); kept well beyond, so that
an old event is still known as overtaken."""
USAGE_KEEP_S = 2 * 24 * 3600.0
"""Upload quotas count the last day's uploads."""


class MongoCheckouts:
    def __init__(self, db: AsyncDatabase):
        self.checkouts = db["checkouts"]
        self.events = db["payment_events"]

    async def create_indexes(self) -> None:
        await self.checkouts.create_index("account_id")
        await self.events.create_index([("account_id", 1), ("created", DESCENDING)])
        await ttl_index(self.events)

    @staticmethod
    def _checkout(doc: dict | None) -> Checkout | None:
        if doc is None:
            return None
        return Checkout(checkout_id=doc.pop("_id"), **doc)

    async def add(self, checkout: Checkout) -> None:
        doc = vars(checkout) | {"_id": checkout.checkout_id}
        del doc["checkout_id"]
        await self.checkouts.insert_one(doc)

    async def get(self, checkout_id: str) -> Checkout | None:
        return self._checkout(await self.checkouts.find_one({"_id": checkout_id}))

    async def mark_paid(self, checkout_id: str, paid_at: float, provider_ref: str) -> Checkout:
        await self.checkouts.update_one(
            {"_id": checkout_id, "paid_at": None},
            {"$set": {"paid_at": paid_at, "provider_ref": provider_ref}},
        )
        return await self.get(checkout_id)

    async def last_event(self, account_id: str) -> float:
        newest = await self.events.find_one({"account_id": account_id}, sort=[("created", -1)])
        return newest["created"] if newest else 0.0

    async def note_event(self, account_id: str, event_id: str, created: float) -> None:
        with contextlib.suppress(DuplicateKeyError):  # noted before: the first stays
            doc = {"_id": event_id, "account_id": account_id, "created": created}
            await self.events.insert_one(doc | expire_at(created + EVENTS_KEEP_S))


class MongoUploadUsage:
    """One document per upload (its training), so a retried request counts once."""

    def __init__(self, db: AsyncDatabase):
        self.uploads = db["upload_usage"]

    async def create_indexes(self) -> None:
        await self.uploads.create_index([("account_id", 1), ("at", DESCENDING)])
        await ttl_index(self.uploads)

    async def add(self, account_id: str, upload_id: str, size: int, at: float) -> None:
        with contextlib.suppress(DuplicateKeyError):
            doc = {"_id": upload_id, "account_id": account_id, "at": at, "size": size}
            await self.uploads.insert_one(doc | expire_at(at + USAGE_KEEP_S))

    async def since(self, account_id: str, since: float) -> list[tuple[float, int]]:
        found = self.uploads.find({"account_id": account_id, "at": {"$gte": since}})
        return [(doc["at"], doc["size"]) async for doc in found]
