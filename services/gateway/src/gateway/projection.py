"""The user's views, folded from the facts other services publish (one ordered consumer).

Trainings: a training that ends without a model (rejected, unpaid, failed) frees its keyword;
one that completes adds a model to the account's models. Generations: a status only moves
forward, so a late or repeated fact never undoes a later one.
"""

import structlog

from contracts.bus import Delivery
from contracts.envelope import Event
from contracts.events import (
    CreditsDebited,
    CreditsDebitRejected,
    CreditsRefunded,
    DatasetRejected,
    DatasetValidated,
    GenerationFailed,
    ImageGenerated,
    TrainingCharged,
    TrainingChargeRejected,
    TrainingCompleted,
    TrainingFailed,
    TrainingProgress,
    TrainingRefunded,
)
from gateway.adapters.generations import MongoGenerations
from gateway.adapters.models import MongoModels
from gateway.adapters.trainings import MongoTrainings

log = structlog.get_logger(__name__)
FREES_KEYWORD = (DatasetRejected, TrainingChargeRejected, TrainingFailed)
GENERATION_FACTS = (
    CreditsDebited,
    CreditsDebitRejected,
    ImageGenerated,
    GenerationFailed,
    CreditsRefunded,
)
UNPAID, RUNNING = ("awaiting_payment",), ("awaiting_payment", "generating")


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
            sample = {"sample_image_key": event.sample_image_key} if event.sample_image_key else {}
            return {"status": "training", "progress": progress} | sample
        case TrainingCompleted():
            return {"status": "completed", "model_id": event.model_id}
        case TrainingFailed():
            return {"status": "failed", "reason": event.reason}
        case TrainingRefunded():
            return {"refunded": True}
    return None


def generation_changes(event: Event) -> tuple[dict, tuple[str, ...] | None]:
    """What a generation fact changes, and the statuses it may change it from (None: any)."""
    match event:
        case CreditsDebitRejected():
            return {"status": "payment_failed", "reason": event.reason}, UNPAID
        case CreditsDebited():
            return {"status": "generating", "credits_debited": event.credits_debited}, UNPAID
        case ImageGenerated():
            images = [image.model_dump(mode="json") for image in event.images]
            return {"status": "completed", "images": images, "duration_s": event.duration_s}, (
                RUNNING
            )
        case GenerationFailed():
            return {"status": "failed", "reason": event.reason}, RUNNING
        case CreditsRefunded():
            return {"refunded": True, "credits_refunded": event.credits_refunded}, None
    raise TypeError(f"not a generation fact: {event.event_type}")


def model_record(event: TrainingCompleted) -> dict:
    return {
        "account_id": event.account_id,
        "training_id": event.training_id,
        "keyword": event.keyword,
        "type": event.training_type,
        "weights_key": event.weights_key,
        "thumbnail_key": event.sample_image_keys[0] if event.sample_image_keys else None,
        "created_at": event.occurred_at,
    }


class ReadModelHandlers:
    def __init__(
        self, trainings: MongoTrainings, models: MongoModels, generations: MongoGenerations
    ):
        self.trainings, self.models, self.generations = trainings, models, generations

    async def project(self, event: Event, delivery: Delivery) -> None:
        """Fold a fact into the user's views."""
        if isinstance(event, GENERATION_FACTS):
            await self._project_generation(event)
        else:
            await self._project_training(event)

    async def _project_generation(self, event: Event) -> None:
        update, only_from = generation_changes(event)
        if await self.generations.update(event.generation_id, update, only_from) is None:
            log.info(
                "gateway.generation_fact_not_applied",
                generation_id=event.generation_id,
                event_type=event.event_type,
            )

    async def _project_training(self, event: Event) -> None:
        update = changes(event)
        if update is None:
            log.info("gateway.view_not_kept_yet", event_type=event.event_type)
            return
        if isinstance(event, TrainingCompleted):
            await self.models.add(event.model_id, model_record(event))
        record = await self.trainings.update(event.training_id, update)
        if record is None:
            log.warning("gateway.unknown_training", training_id=event.training_id)
            return
        if isinstance(event, FREES_KEYWORD):
            await self.trainings.release_keyword(
                record["account_id"], record["keyword"], record["_id"]
            )
