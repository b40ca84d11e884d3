"""The trainers' shared queue of paid jobs, fair by plan (`contracts.queueing`).

JetStream still delivers one TrainingCharged per job to one trainer process and redelivers
it when that process dies; each delivery is a *turn*, not an order to run its own job. The
process whose turn it is runs the job that goes first — a cancelled one (it ends at once),
else the lowest queue key — and binds it to the turn, so the turn's redeliveries run the
same job (resuming it) and its attempts stay that job's. A job becomes known to the queue
when it is paid for (the `trainer-queue` consumer) or when its own turn comes, whichever is
first. There are as many turns as jobs, and each turn binds one job once, so every job runs.
"""

import copy
import time
from typing import Protocol

from contracts import queueing
from contracts.events import TrainingCharged


class JobQueue(Protocol):
    async def add(self, job: TrainingCharged) -> None:
        """Note a paid job as waiting; a job known before is left as it is."""

    async def take(self, turn: str) -> TrainingCharged | None:
        """The job the turn `turn` runs: the one it took before (a redelivered turn), else
        the first waiting job, now bound to it; None when nothing waits."""

    async def cancel(self, training_id: str) -> None:
        """A waiting job its user cancelled goes first (it ends as soon as it starts)."""

    async def finish(self, training_id: str) -> None:
        """The job ended: it is no longer waiting or taken (and, kept a while, forgotten)."""

    async def waiting(self) -> int:
        """Jobs waiting for a turn."""


def key_of(job: TrainingCharged) -> float:
    return queueing.queue_key(job.plan, job.occurred_at)


class MemoryJobQueue:
    """In memory, for unit tests: the same rules as adapters/mongo_queue.py (held to them by
    tests/test_job_queue.py)."""

    def __init__(self, keep_done_s: float = 7 * 86400.0) -> None:
        self.jobs: dict[str, dict] = {}
        self.keep_done_s = keep_done_s

    async def add(self, job: TrainingCharged) -> None:
        self.jobs.setdefault(
            job.training_id,
            {"job": job, "key": key_of(job), "state": "waiting", "turn": None, "cancelled": 0},
        )

    async def take(self, turn: str) -> TrainingCharged | None:
        for entry in self.jobs.values():
            if entry["turn"] == turn:
                return copy.deepcopy(entry["job"])
        waiting = [(id, e) for id, e in self.jobs.items() if e["state"] == "waiting"]
        if not waiting:
            return None
        _, first = min(waiting, key=lambda item: (-item[1]["cancelled"], item[1]["key"], item[0]))
        first |= {"state": "taken", "turn": turn}
        return copy.deepcopy(first["job"])

    async def cancel(self, training_id: str) -> None:
        if (entry := self.jobs.get(training_id)) and entry["state"] == "waiting":
            entry["cancelled"] = 1

    async def finish(self, training_id: str) -> None:
        now = time.time()
        if entry := self.jobs.get(training_id):
            entry |= {"state": "done", "done_s": now}
        for gone in [
            id for id, e in self.jobs.items() if e.get("done_s", now) < now - self.keep_done_s
        ]:
            del self.jobs[gone]

    async def waiting(self) -> int:
        return sum(entry["state"] == "waiting" for entry in self.jobs.values())
