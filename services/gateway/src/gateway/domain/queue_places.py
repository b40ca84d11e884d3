"""A paid training's place in the trainers' queue, and when it should start and end —
estimated from measured job times, pure.

The trainers busy now free up as their jobs' own estimates say (each progress report carries
one); each job ahead, then this one, takes the typical time of the latest completed jobs
(their median) on the trainer that frees up first. At least one trainer is assumed; idle
ones cannot be seen from here, so with several the estimate errs long, never short.
"""

import heapq
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime

from gateway.domain.records import Training

MEASURED_JOBS = 20
"""Completed jobs whose times make the typical one."""


@dataclass(frozen=True)
class QueuePlace:
    place: int
    """1: next to start."""
    ahead: int
    """Paid trainings of every account that start before it."""
    starts_in_s: float | None
    """Seconds until it should start; None before any job was measured."""
    done_in_s: float | None
    """Seconds until it should be done."""


def remaining(training: Training, now: datetime | None = None) -> float:
    """Seconds left of a running training: its latest estimate less the time since."""
    eta = (training.progress or {}).get("eta_seconds")
    if eta is None:
        return 0.0
    since = ((now or datetime.now(UTC)) - training.updated_at).total_seconds()
    return max(0.0, eta - since)


def estimate(ahead: int, running_left: list[float], durations: list[float]) -> QueuePlace:
    """`running_left`: seconds left of each job running now; `durations`: measured jobs."""
    if not durations:
        return QueuePlace(ahead + 1, ahead, None, None)
    typical = statistics.median(durations)
    frees_at = sorted(running_left) or [0.0]  # heap order
    for _ in range(ahead):
        heapq.heapreplace(frees_at, frees_at[0] + typical)
    start = frees_at[0]
    return QueuePlace(ahead + 1, ahead, round(start), round(start + typical))
