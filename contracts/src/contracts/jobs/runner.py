"""The skeleton of a long job (a training, a generation): one delivery of its request.

The delivery rules of docs/architecture.md (failures, heartbeats, idempotency), once for every
long job:
- delivered again after it ended: re-publish the recorded outcome event as it was (the same
  event_id, so JetStream drops it if the first one got out) and do nothing else;
- `JobRejected` (the user can fix it: a missing image, unreadable weights): end in the failure
  event at once, since retrying cannot help;
- any other error: re-raise, so JetStream redelivers the job; on the last attempt end in the
  failure event instead, so billing refunds and nothing hangs.
The outcome is recorded before it is published: a crash between the two re-publishes it.
"""

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

import structlog

from contracts.bus import PermanentError
from contracts.envelope import Event
from contracts.events import ALL_EVENTS
from contracts.jobs.records import OutcomeRecords

log = structlog.get_logger("aitrain.jobs")
Publish = Callable[[Event], Awaitable[None]]
_EVENT_TYPES = {kind.__name__: kind for kind in ALL_EVENTS}


class JobRejected(PermanentError):
    """The job cannot succeed as asked; the message tells the user why and what to do.

    Inside `JobRunner.run` it ends the job in its failure event; anywhere else it is what
    every `PermanentError` is: dead-lettered at once."""


class Lease(Protocol):
    """What the runner needs of a delivery (`contracts.bus.Delivery` is one)."""

    attempt: int

    def keep_leased(self) -> AbstractAsyncContextManager[None]: ...


@dataclass(frozen=True)
class JobKind:
    """A kind of long job, as its failures read to the user."""

    noun: str
    """As in "the training stopped unexpectedly 2 times"."""
    verb: str
    """As in "the platform failed to train (OSError)"."""
    ends_after_crashes: bool = False
    """Count each start; on the last attempt a job whose earlier starts died with their process
    (out of memory?) ends in its failure event rather than crash once more."""


class JobRunner:
    def __init__(self, kind: JobKind, records: OutcomeRecords, publish: Publish, max_attempts: int):
        self.kind, self.records = kind, records
        self.publish, self.max_attempts = publish, max_attempts

    async def run(
        self,
        job_id: str,
        delivery: Lease,
        work: Callable[[], Awaitable[Event]],
        failure: Callable[..., Event],
    ) -> None:
        """Do `work` under a kept lease and publish the event it returns, or `failure(reason=...)`.

        Returns once the job has ended (now or before); raises to have the job redelivered.
        """
        if (recorded := await self.records.outcome(job_id)) is not None:
            await self.publish(_EVENT_TYPES[recorded["event_type"]].model_validate(recorded))
            return
        if self.kind.ends_after_crashes:
            earlier = await self.records.start(job_id)
            if earlier and delivery.attempt >= self.max_attempts:
                reason = f"the {self.kind.noun} stopped unexpectedly {earlier} times"
                await self._end(job_id, failure(reason=f"{reason}; try again later"))
                return
        async with delivery.keep_leased():
            try:
                outcome = await work()
            except JobRejected as exc:
                outcome = failure(reason=str(exc))
            except Exception as exc:
                if delivery.attempt < self.max_attempts:
                    raise  # transient: JetStream redelivers the job
                log.exception("job.gave_up", job=self.kind.noun, job_id=job_id)
                reason = f"the platform failed to {self.kind.verb} ({type(exc).__name__})"
                outcome = failure(reason=reason)
        await self._end(job_id, outcome)

    async def _end(self, job_id: str, outcome: Event) -> None:
        await self.records.finish(job_id, outcome.model_dump(mode="json"))
        await self.publish(outcome)
