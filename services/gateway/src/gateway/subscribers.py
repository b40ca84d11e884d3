"""Thin wiring: what the gateway publishes, and the facts it folds into its views."""

from contracts import events as ev
from contracts.bus import EventBus

# Every fact a user can see reaches the gateway as one of these events.
VISIBLE_FACTS = (
    ev.DatasetValidated,
    ev.DatasetRejected,
    ev.TrainingCharged,
    ev.TrainingChargeRejected,
    ev.TrainingProgress,
    ev.TrainingCompleted,
    ev.TrainingFailed,
    ev.TrainingRefunded,
    ev.CreditsDebited,
    ev.CreditsDebitRejected,
    ev.ImageGenerated,
    ev.GenerationFailed,
    ev.CreditsRefunded,
    ev.ModelDeleted,  # our own: what follows a deletion, even if the gateway died right after it
)


def register(bus: EventBus, views, account_changes) -> None:
    """`views` folds facts (gateway.app.views.Views); `account_changes` wakes waiting requests
    (gateway.app.account_changes.AccountChanges)."""
    bus.produces(
        ev.DatasetUploaded,
        ev.GenerationRequested,
        ev.ModelDeleted,
        ev.CreditsPurchased,
        ev.SubscriptionRequested,
    )
    # one ordered consumer: a view sees each training's facts in the order they happened
    bus.consume("views", dict.fromkeys(VISIBLE_FACTS, views.fold))
    # every replica hears each ev.AccountChanged: the one serving the request wakes up
    bus.listen(ev.AccountChanged, account_changes.on_account_changed)
