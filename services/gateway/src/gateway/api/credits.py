"""Balances, plans, purchases and the ledger; billing owns them, the gateway asks it.

Changes travel as events (SubscriptionRequested, CreditsPurchased) so billing can rebuild
its ledger from the stream; the response waits briefly for billing to apply them and
answers 202 if it has not yet. An Idempotency-Key header makes a retried request apply once.
"""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StrictInt

from contracts.events import CreditsPurchased, SubscriptionRequested
from contracts.events.account import Plan
from contracts.queries.billing import AccountBalance
from gateway.api.auth import Account, Admin, Context

router = APIRouter(prefix="/v1", tags=["billing"])
_IDS = uuid.UUID("0b6f6c2e-58a4-4f0e-bb5e-3f3c1c1a9e11")


class AccountView(BaseModel):
    account_id: str
    plan: Plan
    credits: int
    free_trainings: int


class SubscriptionChange(BaseModel):
    plan: Plan
    """free, standard, pro or unlimited; the first paid plan grants one free training."""


class CreditPurchase(BaseModel):
    credits: StrictInt = Field(gt=0, le=10_000_000)
    """Whole credits to add (a positive integer)."""
    reason: str = Field(min_length=1, max_length=200)
    """Shown in the account's ledger, e.g. an invoice number."""


class LedgerEntryView(BaseModel):
    seq: int
    kind: str
    amount: int
    """Credits added (positive) or taken (negative)."""
    free_trainings: int
    balance_after: int
    free_trainings_after: int
    reference: str
    description: str
    time: datetime


class LedgerView(BaseModel):
    entries: list[LedgerEntryView]
    next_before: int | None
    """Pass as `before` to read the next (older) page."""


def _view(balance: AccountBalance) -> AccountView:
    return AccountView(
        account_id=balance.account_id,
        plan=balance.plan,
        credits=balance.credits,
        free_trainings=balance.free_trainings,
    )


def _request_id(account_id: str, kind: str, idempotency_key: str | None) -> str:
    if idempotency_key is None:
        return str(uuid.uuid4())
    return str(uuid.uuid5(_IDS, f"{account_id}/{kind}/{idempotency_key}"))


async def _applied(ctx: Context, account_id: str, key: str) -> AccountView | JSONResponse:
    balance = await ctx.billing.once_applied(account_id, key)
    if balance is None:
        return JSONResponse({"status": "pending", "detail": "billing is applying it"}, 202)
    return _view(balance)


@router.get("/account")
async def get_account(who: Account, ctx: Context) -> AccountView:
    return _view(await ctx.billing.account(who.account_id))


@router.post("/subscription", response_model=AccountView)
async def subscribe(
    change: SubscriptionChange,
    who: Account,
    ctx: Context,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
):
    request_id = _request_id(who.account_id, "subscription", idempotency_key)
    await ctx.bus.publish(
        SubscriptionRequested.new(
            event_id=request_id,
            account_id=who.account_id,
            request_id=request_id,
            plan=change.plan,
        )
    )
    return await _applied(ctx, who.account_id, f"subscription:{request_id}")


@router.post("/accounts/{account_id}/credits", response_model=AccountView)
async def add_credits(
    account_id: str,
    purchase: CreditPurchase,
    _: Admin,
    ctx: Context,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
):
    """Add purchased or granted credits to an account (admin)."""
    if not await ctx.accounts.account_exists(account_id):
        raise HTTPException(404, f"no account {account_id}")
    purchase_id = _request_id(account_id, "purchase", idempotency_key)
    await ctx.bus.publish(
        CreditsPurchased.new(
            event_id=purchase_id,
            account_id=account_id,
            purchase_id=purchase_id,
            credits=purchase.credits,
            reason=purchase.reason,
        )
    )
    return await _applied(ctx, account_id, f"purchase:{purchase_id}")


@router.get("/ledger")
async def get_ledger(
    who: Account,
    ctx: Context,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> LedgerView:
    """The account's credit ledger, newest first. Deleting a model refunds nothing."""
    page = await ctx.billing.ledger(who.account_id, limit, before)
    entries = [
        LedgerEntryView(
            seq=line.seq,
            kind=line.kind,
            amount=line.credits,
            free_trainings=line.free_trainings,
            balance_after=line.balance_after,
            free_trainings_after=line.free_trainings_after,
            reference=line.reference,
            description=line.description,
            time=line.occurred_at,
        )
        for line in page.entries
    ]
    return LedgerView(entries=entries, next_before=page.next_before_seq)
