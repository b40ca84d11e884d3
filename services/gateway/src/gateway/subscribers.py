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


def register(bus: EventBus, views, account_changes) -> None:
    """`views` folds facts (gateway.app.views.Views); `account_changes` wakes waiting requests
    (gateway.app.account_changes.AccountChanges)."""
    bus.produces(
        DatasetUploaded,
        GenerationRequested,
        ModelDeleted,
        CreditsPurchased,
        SubscriptionRequested,
    )
    # one ordered consumer: a view sees each training's facts in the order they happened
    bus.consume("views", dict.fromkeys(VISIBLE_FACTS, views.fold))
    # every replica hears each AccountChanged: the one serving the request wakes up
    bus.listen(AccountChanged, account_changes.on_account_changed)
