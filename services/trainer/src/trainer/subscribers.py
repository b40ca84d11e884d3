"""Thin wiring: which events trainer consumes and which it produces."""

from contracts.bus import EventBus
from contracts.events import (
    ModelDeleted,
    TrainingCancelled,
    TrainingCancelRequested,
    TrainingCharged,
    TrainingCompleted,
    TrainingFailed,
    TrainingProgress,
)
from trainer.handlers import TrainerHandlers


def register(bus: EventBus, handlers: TrainerHandlers) -> None:
    bus.produces(TrainingProgress, TrainingCompleted, TrainingFailed, TrainingCancelled)
    bus.subscribe(TrainingCharged, "training-charged")(handlers.on_training_charged)
    # its own consumer: a paid job joins the fair queue at once, before its own turn comes
    bus.subscribe(TrainingCharged, "queue")(handlers.on_training_paid)
    bus.subscribe(ModelDeleted, "model-deleted")(handlers.on_model_deleted)
    # its own consumer: a cancel is noted at once, even while this process trains
    bus.subscribe(TrainingCancelRequested, "training-cancel-requested")(
        handlers.on_cancel_requested
    )
