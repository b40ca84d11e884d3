"""Billing context: charges, debits and refunds, each keyed by its business id."""

from typing import ClassVar

from pydantic import Field

from contracts.envelope import Event
from contracts.events.common import GenerationSpec, TrainingSpec


class TrainingCharged(Event):
    """The training was paid for, by credits or the free training (billing)."""

    context: ClassVar[str] = "billing"
    name: ClassVar[str] = "training_charged"
    training_id: str
    spec: TrainingSpec
    credits_charged: int = Field(ge=0, description="0 when the free training was used.")
    used_free_training: bool
    balance_after: int = Field(ge=0)


class TrainingChargeRejected(Event):
    """The training could not be paid for (billing)."""

    context: ClassVar[str] = "billing"
    name: ClassVar[str] = "training_charge_rejected"
    training_id: str
    reason: str
    credits_needed: int = Field(ge=0)
    credits_held: int = Field(ge=0)


class TrainingRefunded(Event):
    """A failed training was refunded exactly once (billing)."""

    context: ClassVar[str] = "billing"
    name: ClassVar[str] = "training_refunded"
    training_id: str
    credits_refunded: int = Field(ge=0)
    free_training_restored: bool
    balance_after: int = Field(ge=0)


class CreditsDebited(Event):
    """A generation was paid for (billing); carries the request on to inference."""

    context: ClassVar[str] = "billing"
    name: ClassVar[str] = "credits_debited"
    generation_id: str
    spec: GenerationSpec
    credits_debited: int = Field(ge=0)
    balance_after: int = Field(ge=0)


class CreditsDebitRejected(Event):
    """A generation could not be paid for (billing)."""

    context: ClassVar[str] = "billing"
    name: ClassVar[str] = "credits_debit_rejected"
    generation_id: str
    reason: str
    credits_needed: int = Field(ge=0)
    credits_held: int = Field(ge=0)


class CreditsRefunded(Event):
    """A failed generation was refunded exactly once (billing)."""

    context: ClassVar[str] = "billing"
    name: ClassVar[str] = "credits_refunded"
    generation_id: str
    credits_refunded: int = Field(ge=0)
    balance_after: int = Field(ge=0)
