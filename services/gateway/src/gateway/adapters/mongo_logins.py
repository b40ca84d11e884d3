"""Email logins, sessions, set-password links and failed sign-ins in the gateway's MongoDB.

A login's `_id` is its email, so one email signs in to one account without a unique index
on a field other accounts lack. Times are epoch seconds (floats compare and read back the
same on every server); sessions, links and failures also carry `expire_at` (adapters.expiry).
"""

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from gateway.adapters.expiry import expire_at, ttl_index
from gateway.domain.records import Login, Session


class MongoLogins:
    def __init__(self, db: AsyncDatabase):
        self.logins = db["logins"]
        self.sessions = db["sessions"]
        self.links = db["password_links"]

    async def create_indexes(self) -> None:
        await self.logins.create_index("account_id")
        await self.sessions.create_index("account_id")
        await ttl_index(self.sessions)
        await ttl_index(self.links)

    async def add(self, login: Login) -> bool:
        doc = {"_id": login.email, "account_id": login.account_id, "hash": login.password_hash}
        try:
            await self.logins.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    @staticmethod
    def _login(doc: dict | None) -> Login | None:
        return Login(doc["_id"], doc["account_id"], doc.get("hash")) if doc else None

    async def by_email(self, email: str) -> Login | None:
        return self._login(await self.logins.find_one({"_id": email}))

    async def of_account(self, account_id: str) -> Login | None:
        return self._login(await self.logins.find_one({"account_id": account_id}))

    async def set_password(self, email: str, password_hash: str) -> None:
        await self.logins.update_one({"_id": email}, {"$set": {"hash": password_hash}})

    async def add_session(self, session: Session) -> None:
        doc = vars(session) | {"_id": session.session_id} | expire_at(session.expires_at)
        del doc["session_id"]
        await self.sessions.insert_one(doc)

    async def session(self, session_id: str, now: float) -> Session | None:
        doc = await self.sessions.find_one({"_id": session_id})
        if doc is None or doc["expires_at"] <= now:
            return None
        fields = {k: v for k, v in doc.items() if k in Session.__dataclass_fields__}
        return Session(session_id=doc["_id"], **fields)

    async def end_session(self, session_id: str) -> None:
        await self.sessions.delete_one({"_id": session_id})

    async def end_sessions(self, account_id: str) -> int:
        return (await self.sessions.delete_many({"account_id": account_id})).deleted_count

    async def add_link(self, link_hash: str, email: str, expires_at: float) -> None:
        doc = {"_id": link_hash, "email": email, "expires_at": expires_at}
        await self.links.insert_one(doc | expire_at(expires_at))

    async def take_link(self, link_hash: str, now: float) -> str | None:
        doc = await self.links.find_one({"_id": link_hash})
        if doc is None:
            return None
        taken = await self.links.delete_one({"_id": link_hash})  # once, even when two race
        return doc["email"] if taken.deleted_count == 1 and doc["expires_at"] > now else None


class MongoFailures:
    def __init__(self, db: AsyncDatabase):
        self.failures = db["sign_in_failures"]

    async def create_indexes(self) -> None:
        await ttl_index(self.failures)  # a count is forgotten a window after its last failure

    async def attempt(self, name: str, now: float, window_s: float) -> tuple[int, float]:
        # forgotten: counting restarts (conditional, so no concurrent count is lost)
        stale = {"_id": name, "last_at": {"$lt": now - window_s}}
        await self.failures.update_one(stale, {"$set": {"count": 0}})
        before = await self.failures.find_one_and_update(
            {"_id": name},
            {"$inc": {"count": 1}, "$set": {"last_at": now} | expire_at(now + window_s)},
            upsert=True,
            return_document=ReturnDocument.BEFORE,
        )
        return (before["count"], before["last_at"]) if before else (0, 0.0)

    async def withdraw(self, name: str) -> None:
        await self.failures.update_one({"_id": name, "count": {"$gt": 0}}, {"$inc": {"count": -1}})

    async def clear(self, name: str) -> None:
        await self.failures.delete_one({"_id": name})
