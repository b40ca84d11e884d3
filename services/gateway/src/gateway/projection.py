"""The trainings view, folded from the facts other services publish (one ordered consumer).

A training that ends without a model (rejected, unpaid, failed) frees its keyword.
"""

import structlog

from contracts.bus import Delivery
from contracts.envelope import Event
from contracts.events import (
    DatasetRejected,
    DatasetValidated,
    TrainingCharged,
    TrainingChargeRejected,
    TrainingCompleted,
    TrainingFailed,
    TrainingProgress,
    TrainingRefunded,
)
from gateway.adapters.trainings import MongoTrainings

log = structlog.get_logger(__name__)
FREES_KEYWORD = (DatasetRejected, TrainingChargeRejected, TrainingFailed)


def changes(event: Event) -> dict | None:
    """What an event changes in its training's view (None: not a training fact)."""
    match event:
        case DatasetRejected():
            report = event.report.model_dump(mode="json")
            return {"status": "rejected", "reason": event.reason, "report": report}
        case DatasetValidated():
            return {"status": "awaiting_payment", "report": event.report.model_dump(mode="json")}
        case TrainingChargeRejected():
            return {"status": "payment_failed", "reason": event.reason}
        case TrainingCharged():
            return {"status": "queued", "paid_with_free_training": event.used_free_training}
        case TrainingProgress():
            progress = event.model_dump(include={"step", "total_steps", "loss", "eta_seconds"})
            return {"status": "training", "progress": progress}
        case TrainingCompleted():
            return {"status": "completed", "model_id": event.model_id}
        case TrainingFailed():
            return {"status": "failed", "reason": event.reason}
        case TrainingRefunded():
            return {"refunded": True}
    return None


class ReadModelHandlers:
    def __init__(self, trainings: MongoTrainings):
        self.trainings = trainings

    async def project(self, event: Event, delivery: Delivery) -> None:
        """Fold a fact into the user's views."""
        update = changes(event)
        if update is None:
            log.info("gateway.view_not_kept_yet", event_type=event.event_type)
            return
        record = await self.trainings.update(event.training_id, update)
        if record is None:
            log.warning("gateway.unknown_training", training_id=event.training_id)
            return
        if isinstance(event, FREES_KEYWORD):
            await self.trainings.release_keyword(
                record["account_id"], record["keyword"], record["_id"]
            )
