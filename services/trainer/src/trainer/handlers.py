"""Trainer use cases.

LoRA training arrives with the trainer issue; the foundation only wires it, so for now
each handler records that it received its event.
"""

import structlog

from contracts.bus import Delivery
from contracts.events import ModelDeleted, TrainingCharged

log = structlog.get_logger(__name__)


class TrainerHandlers:
    async def on_training_charged(self, event: TrainingCharged, delivery: Delivery) -> None:
        """Train the LoRA, reporting progress; publish the model or the failure."""
        log.info("trainer.received", training_id=event.training_id)

    async def on_model_deleted(self, event: ModelDeleted, delivery: Delivery) -> None:
        """Drop the deleted model's weights and samples."""
        log.info("trainer.received", model_id=event.model_id)
