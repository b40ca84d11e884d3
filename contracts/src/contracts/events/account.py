"""Account context: what users and admins did to an account's credits and plan (gateway).

Billing applies these to the ledger; being events on the stream (not only commands), they
let billing rebuild its ledger by replaying its inputs.
"""

from typing import ClassVar, Literal

from pydantic import Field

from contracts.envelope import Event

Plan = Literal["free", "standard", "pro", "unlimited"]
PAID_PLANS: tuple[Plan, ...] = ("standard", "pro", "unlimited")


class CreditsPurchased(Event):
    """An admin added credits to an account: a purchase or a grant (gateway)."""

    context: ClassVar[str] = "account"
    name: ClassVar[str] = "credits_purchased"
    purchase_id: str
    """The purchase (the business id of its ledger entry)."""
    credits: int = Field(gt=0)
    """Credits added."""
    reason: str
    """Why, as the admin wrote it (shown in the ledger)."""


class SubscriptionRequested(Event):
    """An account's plan changes (gateway): a checkout was paid (the payment provider's
    webhook or the operator's word), the operator set it, or the user went back to free.
    The first paid plan earns one free training."""

    context: ClassVar[str] = "account"
    name: ClassVar[str] = "subscription_requested"
    request_id: str
    """The request (the business id of its ledger entry)."""
    plan: Plan
    """free, standard, pro or unlimited."""
