"""Balances, plans, purchases and the ledger; billing owns them, the gateway asks it.

Changes travel as events (SubscriptionRequested, CreditsPurchased) so billing can rebuild
its ledger from the stream; the answer is the account once billing applied the change
(app/account_changes.py), or 202 "pending" with Retry-After if that takes longer.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StrictInt

from contracts.events.account import Plan
from contracts.queries.billing import AccountBalance
from gateway.api.auth import Account, Admin, Use
from gateway.api.errors import RESPONSES, Problem
from gateway.api.idempotency import fingerprint, idempotent
from gateway.api.strict import Strict
from gateway.domain.errors import PaymentRequired

router = APIRouter(prefix="/v1", tags=["billing"], responses=RESPONSES)


class AccountView(BaseModel):
    account_id: str
    plan: Plan
    credits: int
    free_trainings: int
    training_credits: int | None = None
    """What a training costs now (when billing says)."""
    image_credits: int | None = None
    """What one generated image costs now (when billing says)."""


class SubscriptionChange(Strict):
    plan: Plan
    """`free`: end the paid plan. A paid plan is bought with POST /v1/checkouts."""


class PlanChange(Strict):
    plan: Plan
    """free, standard, pro or unlimited; the first paid plan grants one free training."""
    reason: str = Field(min_length=1, max_length=200)
    """Why the operator sets it, e.g. an invoice paid outside the platform."""


class CreditPurchase(Strict):
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


class Pending(BaseModel):
    status: str
    detail: str


PENDING: dict[int | str, dict] = {
    202: {"model": Pending, "description": "billing is applying it: ask again after Retry-After"}
}
PAYMENT: dict[int | str, dict] = {
    402: {"model": Problem, "description": "a paid plan is bought: POST /v1/checkouts"}
}


def _view(balance: AccountBalance) -> AccountView:
    return AccountView(**balance.model_dump(include=set(AccountView.model_fields)))


def _answer(balance: AccountBalance | None) -> JSONResponse:
    if balance is None:
        pending = {"status": "pending", "detail": "billing is applying it"}
        return JSONResponse(pending, status_code=202, headers={"Retry-After": "1"})
    return JSONResponse(_view(balance).model_dump(exclude_none=True))  # a change has no prices


@router.get("/account")
async def get_account(who: Account, gateway: Use) -> AccountView:
    return _view(await gateway.ports.billing.account(who.account_id))


@router.post("/subscription", response_model=AccountView, responses=PAYMENT | PENDING)
async def subscribe(change: SubscriptionChange, request: Request, who: Account, gateway: Use):
    """Go back to the free plan. Paid plans are bought (POST /v1/checkouts), never set here."""
    if change.plan != "free":
        raise PaymentRequired(
            f"the {change.plan} plan is bought: start a checkout with POST /v1/checkouts "
            f'{{"plan": "{change.plan}"}} and pay; the plan changes once the payment is confirmed'
        )

    async def run(request_id: str) -> JSONResponse:
        changes = gateway.account_changes
        return _answer(await changes.subscribe(who.account_id, request_id, change.plan))

    body = fingerprint(request, change.model_dump_json())
    return await idempotent(request, gateway, who.scope, body, run)


@router.post("/accounts/{account_id}/credits", response_model=AccountView, responses=PENDING)
async def add_credits(
    account_id: str, purchase: CreditPurchase, request: Request, who: Admin, gateway: Use
):
    """Add purchased or granted credits to an account (admin)."""

    async def run(request_id: str) -> JSONResponse:
        changes = gateway.account_changes
        added = await changes.add_credits(account_id, request_id, purchase.credits, purchase.reason)
        return _answer(added)

    body = fingerprint(request, purchase.model_dump_json())
    # keys are the admin's, per account: one invoice number may be used for two accounts
    return await idempotent(request, gateway, f"admin/{account_id}", body, run)


@router.put("/accounts/{account_id}/plan", response_model=AccountView, responses=PENDING)
async def set_plan(account_id: str, change: PlanChange, request: Request, who: Admin, gateway: Use):
    """Set an account's plan (admin: the operator is the payment provider of last resort)."""

    async def run(request_id: str) -> JSONResponse:
        return _answer(await gateway.payments.set_plan(account_id, change.plan, request_id))

    body = fingerprint(request, change.model_dump_json())
    return await idempotent(request, gateway, f"admin/{account_id}", body, run)


@router.get("/ledger")
async def get_ledger(
    who: Account,
    gateway: Use,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    before: Annotated[int | None, Query(ge=1, le=2**53)] = None,  # beyond: no ledger is so long
) -> LedgerView:
    """The account's credit ledger, newest first. Deleting a model refunds nothing."""
    page = await gateway.ports.billing.ledger(who.account_id, limit, before)
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
