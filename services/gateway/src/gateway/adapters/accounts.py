"""Accounts and API keys in the gateway's own MongoDB database."""

from dataclasses import dataclass
from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    account_id: str
    secret_hash: str
    created_at: datetime
    revoked_at: datetime | None = None


class MongoAccounts:
    def __init__(self, db: AsyncDatabase):
        self.accounts = db["accounts"]
        self.keys = db["api_keys"]

    async def create_indexes(self) -> None:
        await self.keys.create_index("account_id")

    async def create_account(self, account_id: str) -> None:
        await self.accounts.insert_one({"_id": account_id, "created_at": datetime.now(UTC)})

    async def account_exists(self, account_id: str) -> bool:
        return await self.accounts.count_documents({"_id": account_id}, limit=1) > 0

    async def add_key(self, key: ApiKey) -> None:
        await self.keys.insert_one(
            {
                "_id": key.key_id,
                "account_id": key.account_id,
                "secret_hash": key.secret_hash,
                "created_at": key.created_at,
                "revoked_at": None,
            }
        )

    async def key(self, key_id: str) -> ApiKey | None:
        doc = await self.keys.find_one({"_id": key_id})
        return _key(doc) if doc else None

    async def keys_of(self, account_id: str) -> list[ApiKey]:
        cursor = self.keys.find({"account_id": account_id}, sort=[("created_at", 1)])
        return [_key(doc) async for doc in cursor]

    async def revoke(self, account_id: str, key_id: str) -> bool:
        """Revoke one of the account's keys; False when it has no such key."""
        result = await self.keys.update_one(
            {"_id": key_id, "account_id": account_id},
            {"$set": {"revoked_at": datetime.now(UTC)}},
        )
        return result.matched_count == 1


def _key(doc: dict) -> ApiKey:
    return ApiKey(
        key_id=doc["_id"],
        account_id=doc["account_id"],
        secret_hash=doc["secret_hash"],
        created_at=doc["created_at"],
        revoked_at=doc.get("revoked_at"),
    )
