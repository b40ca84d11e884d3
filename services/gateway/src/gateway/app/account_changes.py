"""Plan changes and purchases: announced to billing, answered with the account billing
applied them to.

The request is saved as its event (SubscriptionRequested, CreditsPurchased) in the outbox and
published; billing answers with AccountChanged, which every gateway replica hears (a plain
subscription), so the replica serving the request wakes up without polling. If billing takes
longer than APPLY_WAIT_S, one question to billing tells whether it is applied; if not, the
caller gets `None` (the API answers 202 "pending").
"""

import asyncio
from dataclasses import dataclass, field

from contracts.bus import QueryFailed
from contracts.events import AccountChanged, CreditsPurchased, SubscriptionRequested
from contracts.events.account import Plan
from contracts.queries.billing import AccountBalance
from gateway.app import ids
from gateway.app.outbox import Outbox, outgoing
from gateway.domain.errors import NotFound
from gateway.ports import Accounts, Billing, Requests

APPLY_WAIT_S = 5.0
REFUSAL = "billing cannot be reached now; nothing was changed, try again"


@dataclass
class AccountChanges:
    requests: Requests
    accounts: Accounts
    billing: Billing
    outbox: Outbox
    _waiting: dict[str, asyncio.Future[AccountBalance]] = field(default_factory=dict)

    async def on_account_changed(self, event: AccountChanged) -> None:
        """Wake the request waiting for this change, if this replica serves it."""
        waiter = self._waiting.get(event.request_id)
        if waiter is not None and not waiter.done():
            waiter.set_result(
                AccountBalance(
                    account_id=event.account_id,
                    plan=event.plan,
                    credits=event.credits,
                    free_trainings=event.free_trainings,
                )
            )

    async def subscribe(self, account_id: str, request_id: str, plan: Plan):
        requested = SubscriptionRequested.new(
            event_id=ids.event_id(request_id, "subscription"),
            account_id=account_id,
            request_id=request_id,
            plan=plan,
        )
        return await self._apply(account_id, request_id, requested, f"subscription:{request_id}")

    async def add_credits(self, account_id: str, request_id: str, credits: int, reason: str):
        if not await self.accounts.account_exists(account_id):
            raise NotFound(f"no account {account_id}")
        purchased = CreditsPurchased.new(
            event_id=ids.event_id(request_id, "purchase"),
            account_id=account_id,
            purchase_id=request_id,
            credits=credits,
            reason=reason,
        )
        return await self._apply(account_id, request_id, purchased, f"purchase:{request_id}")

    async def _apply(self, account_id, request_id, event, ledger_key) -> AccountBalance | None:
        waiter = self._waiting[request_id] = asyncio.get_running_loop().create_future()
        try:
            out = outgoing(event)
            if await self.requests.add(request_id, account_id, out):
                await self.outbox.send(self.requests, request_id, out, {}, REFUSAL)
            elif (balance := await self._applied(account_id, ledger_key)) is not None:
                return balance  # a re-run of a request billing applied before
            try:
                return await asyncio.wait_for(waiter, APPLY_WAIT_S)
            except TimeoutError:
                try:
                    return await self._applied(account_id, ledger_key)
                except QueryFailed:  # the request stands (it is saved): say it is pending
                    return None
        finally:
            self._waiting.pop(request_id, None)

    async def _applied(self, account_id: str, ledger_key: str) -> AccountBalance | None:
        balance = await self.billing.account(account_id, applied_key=ledger_key)
        return balance if balance.applied else None
