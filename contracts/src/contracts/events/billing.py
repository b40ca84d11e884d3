"""Billing context: charges, debits and refunds, each keyed by its business id."""

from typing import ClassVar, Literal

from pydantic import Field

from contracts.envelope import Event
from contracts.events.account import Plan
from contracts.events.common import GenerationSpec, TrainingSpec


class TrainingCharged(Event):
    """The training was paid for, by credits or the free training (billing)."""

    context: ClassVar[str] = "billing"
    name: ClassVar[str] = "training_charged"
    training_id: str
    """The paid training (the business id of the charge)."""
    spec: TrainingSpec
    """What to train, carried on from DatasetValidated."""
    credits_charged: int = Field(ge=0)
    """Credits taken; 0 when the free training was used."""
    used_free_training: bool
    """True when the account's free training paid for it."""
    balance_after: int = Field(ge=0)
    """The account's credits after the charge."""
    plan: Plan | None = None
    """The account's plan when it paid: where the job stands in the trainers' queue
    (`contracts.queueing`); None from an older billing (queued as the free plan)."""


class TrainingChargeRejected(Event):
    """The training could not be paid for (billing)."""

    context: ClassVar[str] = "billing"
    name: ClassVar[str] = "training_charge_rejected"
    training_id: str
    """The training that will not run."""
    reason: str
    """Why, for the user (e.g. not enough credits)."""
    credits_needed: int = Field(ge=0)
    """The price of a training."""
    credits_held: int = Field(ge=0)
    """The account's credits when it was rejected."""


class TrainingRefunded(Event):
    """A failed or cancelled training was refunded exactly once (billing)."""

    context: ClassVar[str] = "billing"
    name: ClassVar[str] = "training_refunded"
    training_id: str
    """The failed training."""
    credits_refunded: int = Field(ge=0)
    """Credits given back; 0 when it was the free training."""
    free_training_restored: bool
    """True when the free training was given back instead of credits."""
    balance_after: int = Field(ge=0)
    """The account's credits after the refund."""
    cause: Literal["failed", "cancelled"] = "failed"
    """failed: everything back; cancelled: the unrun share of the steps (`contracts.refunds`;
    0 credits and no free training when a free training was cancelled after it started)."""


class CreditsDebited(Event):
    """A generation was paid for (billing); carries the request on to inference."""

    context: ClassVar[str] = "billing"
    name: ClassVar[str] = "credits_debited"
    generation_id: str
    """The paid generation (the business id of the debit)."""
    spec: GenerationSpec
    """What to generate, carried on from GenerationRequested."""
    credits_debited: int = Field(ge=0)
    """Credits taken: the price per image times the number of outputs."""
    balance_after: int = Field(ge=0)
    """The account's credits after the debit."""


class CreditsDebitRejected(Event):
    """A generation could not be paid for (billing)."""

    context: ClassVar[str] = "billing"
    name: ClassVar[str] = "credits_debit_rejected"
    generation_id: str
    """The generation that will not run."""
    reason: str
    """Why, for the user (e.g. not enough credits)."""
    credits_needed: int = Field(ge=0)
    """The price of the request."""
    credits_held: int = Field(ge=0)
    """The account's credits when it was rejected."""


class CreditsRefunded(Event):
    """A failed generation, or the withheld images of one, was refunded exactly once
    (billing)."""

    context: ClassVar[str] = "billing"
    name: ClassVar[str] = "credits_refunded"
    generation_id: str
    """The failed generation."""
    credits_refunded: int = Field(ge=0)
    """Credits given back."""
    balance_after: int = Field(ge=0)
    """The account's credits after the refund."""
    cause: Literal["failed", "withheld"] = "failed"
    """failed: everything back; withheld: the price of each image the safety check stopped."""


class AccountChanged(Event):
    """Billing applied a purchase or a plan change to an account (billing); the account as it
    is after it. Sent once per request, so whoever asked can answer with the new state."""

    context: ClassVar[str] = "billing"
    name: ClassVar[str] = "account_changed"
    request_id: str
    """The applied request: CreditsPurchased.purchase_id or SubscriptionRequested.request_id."""
    change: Literal["purchase", "subscription"]
    """What was applied."""
    plan: Plan
    """The account's plan after it."""
    credits: int = Field(ge=0)
    """Credits held after it."""
    free_trainings: int = Field(ge=0)
    """Free trainings left after it (0 or 1)."""
