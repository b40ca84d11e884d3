"""Fair GPU queues, the gateway's part (the trainer picks the jobs: `trainer.queue`): a
training over the plan's limit of unfinished ones is refused before anything is stored or
charged, and a paid one is told its place in the queue and when it should start and end."""

import asyncio
import dataclasses
from dataclasses import dataclass

import structlog

from contracts import queueing
from contracts.bus import QueryFailed
from gateway.domain.errors import Throttled
from gateway.domain.queue_places import MEASURED_JOBS, estimate
from gateway.domain.records import Training
from gateway.domain.statuses import TrainingStatus
from gateway.ports import Billing, Trainings

log = structlog.get_logger(__name__)
RETRY_AFTER_S = 60
"""A refused training may ask again after this (a training takes minutes)."""
FEWEST_ALLOWED = min(queueing.UNFINISHED_TRAININGS.values())


@dataclass
class TrainingQueue:
    trainings: Trainings
    billing: Billing

    async def admit(self, account_id: str) -> None:
        """Throttled (429) when the account has as many unfinished trainings as its plan
        allows; billing is asked the plan only when the count could matter."""
        unfinished = await self.trainings.unfinished(account_id)
        if unfinished < FEWEST_ALLOWED:
            return
        try:
            plan = (await self.billing.account(account_id)).plan
        except QueryFailed:  # billing still charges each training: let this one through
            log.warning("gateway.plan_unknown", account_id=account_id)
            return
        if unfinished >= queueing.limit_of(plan):
            raise Throttled(queueing.refusal(plan, unfinished), retry_after_s=RETRY_AFTER_S)

    async def place(self, training: Training | None) -> dict | None:
        """Place and estimated start and end of a paid training not yet started."""
        if training is None or training.status is not TrainingStatus.QUEUED:
            return None
        if training.queue_key is None:  # paid before the queue was kept
            return None
        ahead, running, durations = await asyncio.gather(
            self.trainings.queued_ahead(training.queue_key),
            self.trainings.running_etas(),
            self.trainings.recent_durations(MEASURED_JOBS),
        )
        return dataclasses.asdict(estimate(ahead, running, durations))
