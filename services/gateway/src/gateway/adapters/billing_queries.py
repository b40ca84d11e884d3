"""Billing as the gateway sees it: balances and ledger pages, asked over request-reply
(never read from billing's collections)."""

from contracts.bus import EventBus
from contracts.queries.billing import (
    SERVICE,
    AccountBalance,
    AccountQuery,
    LedgerPage,
    LedgerQuery,
)


class BusBilling:
    def __init__(self, bus: EventBus):
        self.bus = bus

    async def account(self, account_id: str, applied_key: str | None = None) -> AccountBalance:
        query = AccountQuery(account_id=account_id, applied_key=applied_key)
        return await self.bus.ask(SERVICE, "account", query, AccountBalance)

    async def ledger(self, account_id: str, limit: int, before_seq: int | None) -> LedgerPage:
        query = LedgerQuery(account_id=account_id, limit=limit, before_seq=before_seq)
        return await self.bus.ask(SERVICE, "ledger", query, LedgerPage)
