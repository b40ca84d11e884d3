"""Paid plans are bought, never chosen: checkouts, and what a payment provider tells us.

A user starts a checkout for a plan; the provider (the operator on the embedded default, or a
Stripe-compatible service) says when it is paid, and only then does the plan change. The
provider's webhooks are verified here: an HMAC-SHA256 signature over `<timestamp>.<body>`
with the endpoint's signing secret (Stripe's scheme), inside a replay window.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Literal

from contracts.events.account import Plan
from gateway.domain.errors import BadRequest, Invalid

CHECKOUT_TTL_S = 24 * 3600.0
"""An unpaid checkout expires after a day (Stripe's sessions do too)."""
SIGNATURE_TOLERANCE_S = 300
"""A webhook signed longer ago (or ahead) than this is refused: a replayed capture."""

CheckoutStatus = Literal["open", "paid", "expired"]


@dataclass(frozen=True)
class Checkout:
    checkout_id: str
    account_id: str
    plan: Plan
    provider: str
    created_at: float
    pay_url: str | None = None
    """Where the user pays (the provider's page); None when the operator is told instead."""
    paid_at: float | None = None
    provider_ref: str | None = None
    """The provider's id of the paid session or invoice."""

    def status(self, now: float) -> CheckoutStatus:
        if self.paid_at is not None:
            return "paid"
        return "expired" if now > self.created_at + CHECKOUT_TTL_S else "open"


@dataclass(frozen=True)
class PaymentFact:
    """What a verified provider event means for one account's plan."""

    event_id: str
    created: float
    """The provider's time of the event: facts older than the last applied one are stale."""
    kind: Literal["checkout_paid", "renewed", "cancelled"]
    checkout_id: str | None = None
    account_id: str | None = None
    plan: Plan | None = None
    provider_ref: str | None = None


class BadSignature(BadRequest):
    """The webhook is not from the provider, was altered, or is a replay (HTTP 400)."""


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The `Stripe-Signature` header the provider sends with `payload`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(payload: bytes, header: str, secret: str, now: float) -> None:
    """Raises BadSignature unless one `v1` signature matches and `t` is within tolerance."""
    parts = [item.split("=", 1) for item in header.split(",") if "=" in item]
    timestamps = [value for key, value in parts if key.strip() == "t"]
    signatures = [value.strip() for key, value in parts if key.strip() == "v1"]
    if len(timestamps) != 1 or not timestamps[0].strip().isdigit() or not signatures:
        raise BadSignature("a Stripe-Signature header with t= and v1= is required")
    timestamp = int(timestamps[0])
    expected = sign(payload, secret, timestamp).rsplit("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, given) for given in signatures):
        raise BadSignature("the signature does not match this body")
    if abs(now - timestamp) > SIGNATURE_TOLERANCE_S:
        raise BadSignature("the signature is too old (or from the future): a replay is refused")


def _metadata(obj: dict) -> dict:
    """The metadata we set on a subscription, wherever this API version puts it."""
    for holder in (obj, obj.get("subscription_details") or {}):
        if isinstance(holder.get("metadata"), dict) and holder["metadata"]:
            return holder["metadata"]
    parent = (obj.get("parent") or {}).get("subscription_details") or {}
    return parent.get("metadata") or {}


def read_event(payload: bytes) -> PaymentFact | None:
    """The fact a verified Stripe event states, or None for an event we do not act on."""
    try:
        event = json.loads(payload)
        kind, obj = event["type"], event["data"]["object"]
        event_id, created = str(event["id"]), float(event["created"])
    except (ValueError, KeyError, TypeError) as error:
        raise Invalid(f"not a provider event: {error}") from error
    meta = _metadata(obj)
    plan = meta.get("plan")
    if kind == "checkout.session.completed":
        if obj.get("payment_status") not in ("paid", "no_payment_required"):
            return None  # paid later: checkout.session.async_payment_succeeded is not used
        return PaymentFact(
            event_id,
            created,
            "checkout_paid",
            checkout_id=obj.get("client_reference_id"),
            provider_ref=obj.get("id"),
        )
    if kind == "invoice.paid" and meta.get("account_id") and plan:
        return PaymentFact(
            event_id, created, "renewed", account_id=meta["account_id"], plan=plan,
            provider_ref=obj.get("id"),
        )  # fmt: skip
    if kind == "customer.subscription.deleted" and meta.get("account_id"):
        return PaymentFact(event_id, created, "cancelled", account_id=meta["account_id"])
    return None
