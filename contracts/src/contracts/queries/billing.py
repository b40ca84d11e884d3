"""What the gateway asks billing: an account's balance and its ledger pages."""

from datetime import datetime

from pydantic import Field

from contracts.envelope import Schema
from contracts.events.account import Plan

SERVICE = "billing"


class AccountQuery(Schema):
    account_id: str
    """The account asked about."""
    applied_key: str | None = None
    """A ledger business key; the reply says whether it is applied yet."""


class AccountBalance(Schema):
    account_id: str
    """The account."""
    plan: Plan
    """Its current plan."""
    credits: int = Field(ge=0)
    """Credits held."""
    free_trainings: int = Field(ge=0)
    """Free trainings left (0 or 1)."""
    applied: bool | None = None
    """Whether `applied_key` of the query is in the ledger; None when not asked."""
    training_credits: int | None = None
    """Billing's price of a training now (None from an older billing)."""
    image_credits: int | None = None
    """Billing's price of one generated image now (None from an older billing)."""


class LedgerQuery(Schema):
    account_id: str
    """The account whose ledger is read."""
    limit: int = Field(default=20, ge=1, le=100)
    """Page size."""
    before_seq: int | None = Field(default=None, ge=1)
    """Only entries older than this sequence number (the previous page's `next_before_seq`)."""


class LedgerLine(Schema):
    seq: int
    """Position in the account's ledger (1, 2, ...)."""
    kind: str
    """purchase, subscription, training_charge, training_refund, generation_debit, ..."""
    credits: int
    """Credits added (positive) or taken (negative)."""
    free_trainings: int
    """Free trainings added (+1) or used (-1)."""
    balance_after: int = Field(ge=0)
    """Credits held after this entry."""
    free_trainings_after: int = Field(ge=0)
    """Free trainings left after this entry."""
    reference: str
    """The business id: a training, generation, purchase or subscription request."""
    description: str
    """What happened, in words."""
    occurred_at: datetime
    """When (UTC)."""


class LedgerPage(Schema):
    entries: list[LedgerLine]
    """Newest first."""
    next_before_seq: int | None = None
    """Pass as `before_seq` for the next (older) page; None at the end."""
