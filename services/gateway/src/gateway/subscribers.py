"""Thin wiring: the gateway publishes user requests and reads back every visible fact."""

from contracts.bus import EventBus
from contracts.events import (
    CreditsDebited,
    CreditsDebitRejected,
    CreditsPurchased,
    CreditsRefunded,
    DatasetRejected,
    DatasetUploaded,
    DatasetValidated,
    GenerationFailed,
    GenerationRequested,
    ImageGenerated,
    ModelDeleted,
    SubscriptionRequested,
    TrainingCharged,
    TrainingChargeRejected,
    TrainingCompleted,
    TrainingFailed,
    TrainingProgress,
    TrainingRefunded,
)
from gateway.projection import ReadModelHandlers

# Every fact a user can see reaches the gateway as one of these events.
VISIBLE_FACTS = (
    DatasetValidated,
    DatasetRejected,
    TrainingCharged,
    TrainingChargeRejected,
    TrainingProgress,
    TrainingCompleted,
    TrainingFailed,
    TrainingRefunded,
    CreditsDebited,
    CreditsDebitRejected,
    ImageGenerated,
    GenerationFailed,
    CreditsRefunded,
)


def register(bus: EventBus, handlers: ReadModelHandlers) -> None:
    bus.produces(
        DatasetUploaded,
        GenerationRequested,
        ModelDeleted,
        CreditsPurchased,
        SubscriptionRequested,
    )
    # one ordered consumer: a view sees each training's facts in the order they happened
    bus.consume("views", dict.fromkeys(VISIBLE_FACTS, handlers.project))
