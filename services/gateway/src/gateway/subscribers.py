"""Thin wiring: what the gateway publishes, and the facts it folds into its views."""

from contracts.bus import EventBus
from contracts.events import (
    AccountChanged,
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
    ModelDeleted,  # our own: what follows a deletion, even if the gateway died right after it
)


def register(bus: EventBus, gateway) -> None:
    """`gateway` is the app's use cases (gateway.app.gateway.Gateway); None only to document."""
    bus.produces(
        DatasetUploaded,
        GenerationRequested,
        ModelDeleted,
        CreditsPurchased,
        SubscriptionRequested,
    )
    # one ordered consumer: a view sees each training's facts in the order they happened
    bus.consume("views", dict.fromkeys(VISIBLE_FACTS, gateway.views.fold if gateway else _doc))
    # every replica hears each AccountChanged: the one serving the request wakes up
    bus.listen(AccountChanged, gateway.account_changes.on_account_changed if gateway else _doc)


async def _doc(*args) -> None:
    """Folds the fact into the user's views (trainings, models, generations)."""
