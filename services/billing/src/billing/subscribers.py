"""Thin wiring: which events billing consumes and which it produces."""

from billing.handlers import BillingHandlers
from contracts.bus import EventBus
from contracts.events import (
    CreditsDebited,
    CreditsDebitRejected,
    CreditsRefunded,
    DatasetValidated,
    GenerationFailed,
    GenerationRequested,
    TrainingCharged,
    TrainingChargeRejected,
    TrainingFailed,
    TrainingRefunded,
)


def register(bus: EventBus, handlers: BillingHandlers) -> None:
    bus.produces(
        TrainingCharged,
        TrainingChargeRejected,
        TrainingRefunded,
        CreditsDebited,
        CreditsDebitRejected,
        CreditsRefunded,
    )
    bus.subscribe(DatasetValidated, "dataset-validated")(handlers.on_dataset_validated)
    bus.subscribe(GenerationRequested, "generation-requested")(handlers.on_generation_requested)
    bus.subscribe(TrainingFailed, "training-failed")(handlers.on_training_failed)
    bus.subscribe(GenerationFailed, "generation-failed")(handlers.on_generation_failed)
