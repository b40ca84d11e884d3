"""Billing as the gateway sees it: balances and ledger pages, asked over request-reply
(never read from billing's collections).

A balance is remembered for BALANCE_CACHE_S: a page that polls, or a client that reads its
balance in a loop, costs billing one query a second per account. Every replica forgets it
when it hears a fact that changes it (subscribers.BALANCE_CHANGES, AccountChanged); a
question about a change (`applied_key`) is always asked.
"""

import time

from contracts.bus import EventBus
from contracts.queries.billing import (
    SERVICE,
    AccountBalance,
    AccountQuery,
    LedgerPage,
    LedgerQuery,
)

BALANCE_CACHE_S = 1.0
BALANCE_CACHE_SIZE = 10_000


class BusBilling:
    def __init__(self, bus: EventBus):
        self.bus = bus
        self._balances: dict[str, tuple[float, AccountBalance]] = {}

    async def account(self, account_id: str, applied_key: str | None = None) -> AccountBalance:
        now = time.monotonic()
        known = self._balances.get(account_id)
        if applied_key is None and known and now - known[0] < BALANCE_CACHE_S:
            return known[1]
        query = AccountQuery(account_id=account_id, applied_key=applied_key)
        balance = await self.bus.ask(SERVICE, "account", query, AccountBalance)
        if len(self._balances) >= BALANCE_CACHE_SIZE:
            self._balances.clear()
        self._balances[account_id] = (now, balance)
        return balance

    def forget(self, account_id: str) -> None:
        self._balances.pop(account_id, None)

    async def ledger(self, account_id: str, limit: int, before_seq: int | None) -> LedgerPage:
        query = LedgerQuery(account_id=account_id, limit=limit, before_seq=before_seq)
        return await self.bus.ask(SERVICE, "ledger", query, LedgerPage)
