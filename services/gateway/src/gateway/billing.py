"""The gateway's view of billing: balances and ledger pages, asked over request-reply."""

import asyncio
import time

from contracts.bus import EventBus
from contracts.queries.billing import (
    SERVICE,
    AccountBalance,
    AccountQuery,
    LedgerPage,
    LedgerQuery,
)

APPLY_WAIT_S = 5.0


class BillingClient:
    def __init__(self, bus: EventBus):
        self.bus = bus

    async def account(self, account_id: str, applied_key: str | None = None) -> AccountBalance:
        query = AccountQuery(account_id=account_id, applied_key=applied_key)
        return await self.bus.ask(SERVICE, "account", query, AccountBalance)

    async def ledger(self, account_id: str, limit: int, before_seq: int | None) -> LedgerPage:
        query = LedgerQuery(account_id=account_id, limit=limit, before_seq=before_seq)
        return await self.bus.ask(SERVICE, "ledger", query, LedgerPage)

    async def once_applied(self, account_id: str, key: str) -> AccountBalance | None:
        """The account once billing has applied `key`; None if that takes too long."""
        deadline = time.monotonic() + APPLY_WAIT_S
        while time.monotonic() < deadline:
            balance = await self.account(account_id, applied_key=key)
            if balance.applied:
                return balance
            await asyncio.sleep(0.05)
        return None
