"""Accounts and their API keys (the gateway owns them)."""

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


class AccountKeys:
    def __init__(self, accounts: Accounts):
        self.accounts = accounts

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
        if not await self.accounts.revoke(account_id, key_id):
            raise NotFound(f"no API key {key_id} on this account")
