"""Checkouts of paid plans and the payment provider's webhook (see app/payments.py).

A user may start a checkout and read its state; only the provider's signed webhook or the
operator (admin) turns a paid checkout into a plan.
"""

import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from contracts.events.account import Plan
from gateway.api.auth import Account, Admin, Use
from gateway.api.errors import RESPONSES
from gateway.api.idempotency import fingerprint, idempotent
from gateway.api.rendering import iso
from gateway.api.strict import Strict
from gateway.domain.payments import Checkout, CheckoutStatus

router = APIRouter(prefix="/v1", tags=["billing"], responses=RESPONSES)

OPERATOR_STEP = "the operator confirms your payment; your plan changes then"
PROVIDER_STEP = "pay on pay_url; your plan changes once the payment is confirmed"


class CheckoutRequest(Strict):
    plan: Plan
    """standard, pro or unlimited."""


class CheckoutView(BaseModel):
    checkout_id: str
    account_id: str
    plan: Plan
    provider: str
    """operator (the embedded default) or stripe."""
    status: CheckoutStatus
    pay_url: str | None
    """Where to pay; null when the operator confirms payments himself."""
    next_step: str
    created_at: str
    """ISO 8601, UTC, as every time the API answers."""
    paid_at: str | None


class CheckoutPaid(Strict):
    reference: str = "confirmed by the operator"
    """The payment's reference, e.g. an invoice number (kept with the checkout)."""


class WebhookAnswer(BaseModel):
    received: bool
    applied: bool
    """False for events the platform does not act on, and for ones a newer event overtook."""


def _view(checkout: Checkout) -> CheckoutView:
    status = checkout.status(time.time())
    step = {"paid": "paid: your plan is changed", "expired": "expired: start a new checkout"}
    fields = vars(checkout) | {"status": status, "created_at": iso(checkout.created_at)}
    fields["paid_at"] = iso(checkout.paid_at)
    fields["next_step"] = step.get(status) or (PROVIDER_STEP if checkout.pay_url else OPERATOR_STEP)
    return CheckoutView(**fields)


@router.post("/checkouts", status_code=201)
async def start_checkout(order: CheckoutRequest, request: Request, who: Account, gateway: Use):
    """Start buying a paid plan: answers where to pay. Changes nothing by itself."""

    async def run(request_id: str) -> JSONResponse:
        checkout = await gateway.payments.start_checkout(who.account_id, order.plan)
        return JSONResponse(_view(checkout).model_dump(), status_code=201)

    body = fingerprint(request, order.model_dump_json())
    return await idempotent(request, gateway, who.scope, body, run)


@router.get("/checkouts/{checkout_id}")
async def get_checkout(checkout_id: str, who: Account, gateway: Use) -> CheckoutView:
    return _view(await gateway.payments.checkout(who.account_id, checkout_id))


@router.post("/checkouts/{checkout_id}/paid")
async def checkout_paid(
    checkout_id: str, paid: CheckoutPaid, who: Admin, gateway: Use
) -> CheckoutView:
    """The operator received this checkout's payment (admin): the plan changes."""
    await gateway.payments.confirm_paid(checkout_id, paid.reference)
    return _view(await gateway.payments.checkout(None, checkout_id))


@router.post("/payments/stripe", responses={400: {}, 404: {}})
async def stripe_webhook(request: Request, gateway: Use) -> WebhookAnswer:
    """Stripe's webhook: verified by its signature (STRIPE_WEBHOOK_SECRET), no other auth."""
    payload = await request.body()
    signature = request.headers.get("Stripe-Signature", "")
    applied, _ = await gateway.payments.on_webhook(payload, signature, time.time())
    return WebhookAnswer(received=True, applied=applied)
