"""Accounts and their API keys (the gateway owns them).

A key read for authentication is remembered for KEY_CACHE_S, so the read path asks the
database once per key and interval rather than per request; revoking a key forgets it here
at once, and on other gateway replicas within KEY_CACHE_S.
"""

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from gateway import keys
from gateway.domain.errors import NotFound
from gateway.domain.records import ApiKey
from gateway.ports import Accounts


@dataclass(frozen=True)
class NewAccount:
    account_id: str
    key: keys.NewKey


KEY_CACHE_S = 5.0
KEY_CACHE_SIZE = 10_000


class AccountKeys:
    def __init__(self, accounts: Accounts):
        self.accounts = accounts
        self._known: dict[str, tuple[float, ApiKey | None]] = {}

    async def key(self, key_id: str) -> ApiKey | None:
        """The key (None when there is none), remembered for a few seconds."""
        now = time.monotonic()
        if (known := self._known.get(key_id)) and now - known[0] < KEY_CACHE_S:
            return known[1]
        key = await self.accounts.key(key_id)
        if len(self._known) >= KEY_CACHE_SIZE:
            self._known.clear()  # made-up key ids must not grow it without bound
        self._known[key_id] = (now, key)
        return key

    async def create_account(self, request_id: str) -> NewAccount:
        """An account and its first API key; a re-run of the same request is a new key for
        the same account (the first one's secret was never seen)."""
        account_id = await self.open_account(request_id)
        return NewAccount(account_id, await self.issue(account_id))

    async def open_account(self, request_id: str) -> str:
        """The account of this request (made once, however often the request is re-run)."""
        account_id = f"acct_{uuid.UUID(request_id).hex[:16]}"
        if not await self.accounts.account_exists(account_id):
            await self.accounts.create_account(account_id)
        return account_id

    async def issue(self, account_id: str) -> keys.NewKey:
        made = keys.new_key()
        created = datetime.now(UTC)
        await self.accounts.add_key(ApiKey(made.key_id, account_id, made.secret_hash, created))
        return made

    async def revoke(self, account_id: str, key_id: str) -> None:
        """Revoke one of the account's keys; it stops working at once."""
        revoked = await self.accounts.revoke(account_id, key_id)
        self._known.pop(key_id, None)
        if not revoked:
            raise NotFound(f"no API key {key_id} on this account")
