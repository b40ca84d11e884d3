"""Ledger entries and the account state they carry.

The ledger is append-only. Each entry records one business fact (its key, e.g.
`generation:<id>:debit`, appears at most once per account) and a snapshot of the account
after it, so the state of an account is its newest entry and every entry can be checked
against the sum of those before it. Rejections are entries too (with no change), so a
redelivered request gets the same answer it got the first time.
"""

from dataclasses import dataclass, replace
from datetime import datetime

from contracts.events.account import Plan


class Overdraft(ValueError):
    """A draft would make a balance negative; deciders never produce one."""


@dataclass(frozen=True)
class AccountState:
    seq: int = 0
    """Number of entries so far."""
    credits: int = 0
    free_trainings: int = 0
    plan: Plan = "free"
    free_training_granted: bool = False
    """Whether the one free training of a first paid plan was ever granted."""


@dataclass(frozen=True)
class Draft:
    """What a request does, before it is numbered and stored."""

    kind: str
    description: str
    credits: int = 0
    free_trainings: int = 0
    plan: Plan | None = None
    grants_free_training: bool = False

    @property
    def is_rejection(self) -> bool:
        return self.kind.endswith("_rejected")


@dataclass(frozen=True)
class Entry:
    account_id: str
    key: str
    reference: str
    occurred_at: datetime
    draft: Draft
    after: AccountState

    @property
    def seq(self) -> int:
        return self.after.seq


def apply(state: AccountState, draft: Draft) -> AccountState:
    after = replace(
        state,
        seq=state.seq + 1,
        credits=state.credits + draft.credits,
        free_trainings=state.free_trainings + draft.free_trainings,
        plan=draft.plan or state.plan,
        free_training_granted=state.free_training_granted or draft.grants_free_training,
    )
    if after.credits < 0 or after.free_trainings < 0:
        raise Overdraft(f"{draft.kind} would leave {after.credits} credits")
    return after
