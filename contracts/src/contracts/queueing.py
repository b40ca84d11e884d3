"""Fair GPU queues — one rule, read by the trainer (which picks the next job) and the gateway
(which refuses a training over the plan's limit and tells each waiting one its place).

Each plan may have a number of trainings unfinished at once (checking, queued or training);
one more is refused before anything is charged. Waiting jobs are taken in the order of their
queue key: the time they were paid for, moved earlier by their plan's head start. A paying
plan thus goes ahead of the jobs that came at most its head start before it, and never
further: a job waits behind later ones for no longer than the largest head start, so no one
starves however busy the queue. Jobs of one account (one plan) keep their order.
"""

from datetime import datetime

UNFINISHED_TRAININGS = {"free": 2, "standard": 3, "pro": 5, "unlimited": 10}
"""Trainings an account may have unfinished at once, by plan."""
HEAD_START_S = {"free": 0.0, "standard": 300.0, "pro": 900.0, "unlimited": 1800.0}
"""How much earlier than it was paid for a plan's job counts in the queue (seconds)."""
LONGEST_WAIT_BEHIND_LATER_S = max(HEAD_START_S.values())
"""The longest a job can be overtaken by jobs paid for after it."""


def limit_of(plan: str | None) -> int:
    """Unfinished trainings the plan allows (an unknown plan: the free plan's)."""
    return UNFINISHED_TRAININGS.get(plan or "free", UNFINISHED_TRAININGS["free"])


def queue_key(plan: str | None, paid_at: datetime) -> float:
    """Where a job paid for at `paid_at` stands in the queue: lower goes first."""
    return paid_at.timestamp() - HEAD_START_S.get(plan or "free", 0.0)


def refusal(plan: str | None, unfinished: int) -> str:
    """Why one more training is refused."""
    name, trainings = plan or "free", "training" if unfinished == 1 else "trainings"
    return (
        f"you have {unfinished} {trainings} checking, queued or training, the most the {name} "
        "plan allows at once (a higher plan allows more); nothing was charged: start this one "
        "when one of them ends, or cancel one (POST /v1/trainings/{id}/cancel)"
    )
