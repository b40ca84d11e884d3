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
from gateway.handlers import ReadModelHandlers

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
    for event in VISIBLE_FACTS:
        name = f"view-{event.context}-{event.name}".replace("_", "-")
        bus.subscribe(event, name)(handlers.project)
