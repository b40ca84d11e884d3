"""The ledger in MongoDB: one document per entry, single-document atomic inserts only
(no transactions: nx-27017 has none, and a sharded MongoDB prefers it that way)."""

from dataclasses import asdict
from datetime import UTC

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from billing.domain.ledger import AccountState, Draft, Entry
from billing.ports import KeyTaken, SeqTaken


class MongoLedger:
    def __init__(self, db: AsyncDatabase):
        self.entries = db["ledger"]

    async def create_indexes(self) -> None:
        await self.entries.create_index(
            [("account_id", ASCENDING), ("seq", ASCENDING)], unique=True, name="account_seq"
        )
        await self.entries.create_index(
            [("account_id", ASCENDING), ("key", ASCENDING)], unique=True, name="account_key"
        )

    async def insert(self, entry: Entry) -> None:
        try:
            await self.entries.insert_one(_to_doc(entry))
        except DuplicateKeyError as exc:
            if await self.get(entry.account_id, entry.key):
                raise KeyTaken(entry.key) from exc
            raise SeqTaken(entry.seq) from exc

    async def get(self, account_id: str, key: str) -> Entry | None:
        doc = await self.entries.find_one({"account_id": account_id, "key": key})
        return _from_doc(doc) if doc else None

    async def last(self, account_id: str) -> Entry | None:
        doc = await self.entries.find_one({"account_id": account_id}, sort=[("seq", DESCENDING)])
        return _from_doc(doc) if doc else None

    async def page(self, account_id: str, limit: int, before_seq: int | None) -> list[Entry]:
        query: dict = {"account_id": account_id}
        if before_seq is not None:
            query["seq"] = {"$lt": before_seq}
        cursor = self.entries.find(query, sort=[("seq", DESCENDING)], limit=limit)
        return [_from_doc(doc) async for doc in cursor]


def _to_doc(entry: Entry) -> dict:
    return {
        "_id": f"{entry.account_id}/{entry.key}",
        "account_id": entry.account_id,
        "key": entry.key,
        "seq": entry.seq,
        "reference": entry.reference,
        "occurred_at": entry.occurred_at,
        "draft": asdict(entry.draft),
        "after": asdict(entry.after),
    }


def _from_doc(doc: dict) -> Entry:
    occurred_at = doc["occurred_at"]
    if occurred_at.tzinfo is None:  # the driver returns naive UTC by default
        occurred_at = occurred_at.replace(tzinfo=UTC)
    return Entry(
        account_id=doc["account_id"],
        key=doc["key"],
        reference=doc["reference"],
        occurred_at=occurred_at,
        draft=Draft(**doc["draft"]),
        after=AccountState(**doc["after"]),
    )
