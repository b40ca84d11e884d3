"""Cancel a training: the cancel is saved on the training with its TrainingCancelRequested
(one write, the outbox) and published; the trainer stops the job before it starts or at its
next step and billing refunds the unrun share (`contracts.refunds`). Asking again answers
the same; a training that already ended is a Conflict. The pages that follow the training
(on any replica) are told at once."""

from dataclasses import dataclass

from contracts.events import TrainingCancelRequested
from gateway.app import ids
from gateway.app.outbox import Outbox, outgoing
from gateway.domain.errors import Conflict, NotFound
from gateway.domain.records import Training
from gateway.domain.statuses import TrainingStatus
from gateway.ports import Trainings, ViewChanges

UNSENT = "the training could not be cancelled now; nothing changed, try again"


@dataclass
class CancelTraining:
    trainings: Trainings
    outbox: Outbox
    changes: ViewChanges

    async def __call__(self, account_id: str, training_id: str) -> Training:
        training = await self._get(account_id, training_id)
        if training.status.ended or training.cancel_requested_at is not None:
            return _asked_before(training)
        requested = TrainingCancelRequested.new(
            event_id=ids.event_id(training_id, "cancel"),
            account_id=account_id,
            training_id=training_id,
        )
        out = outgoing(requested)
        if not await self.trainings.request_cancel(account_id, training_id, out):
            now = await self._get(account_id, training_id)
            if now.status.ended or now.cancel_requested_at is not None:
                return _asked_before(now)  # it ended, or another request cancelled it
            raise Conflict(
                f"training {training_id} is being started just now; cancel it again in a "
                "few seconds"
            )
        undo = {"cancel_requested_at": None}
        await self.outbox.send(self.trainings, training_id, out, undo, UNSENT)
        await self.changes.changed(training_id)
        return await self._get(account_id, training_id)

    async def _get(self, account_id: str, training_id: str) -> Training:
        training = await self.trainings.get(account_id, training_id)
        if training is None:
            raise NotFound(f"no training {training_id} (GET /v1/trainings lists yours)")
        return training


def _asked_before(training: Training) -> Training:
    """A cancelled (or cancelling) training answers again as it stands; any other ended one
    has nothing left to cancel."""
    if training.status is TrainingStatus.CANCELLED or not training.status.ended:
        return training
    if training.status is TrainingStatus.COMPLETED:
        raise Conflict(
            f"training {training.training_id} is completed: its model {training.model_id} is "
            "made and stays (delete the model instead; deleting refunds nothing)"
        )
    raise Conflict(
        f"training {training.training_id} already ended ({training.status}); nothing to cancel"
    )
