"""Thin wiring: what the gateway publishes, and the facts it folds into its views."""

from contracts import events as ev
from contracts.bus import EventBus
from gateway.domain.announcements import ANNOUNCED

# Every fact a user can see reaches the gateway as one of these events.
VISIBLE_FACTS = (
    ev.DatasetValidated,
    ev.DatasetRejected,
    ev.TrainingCharged,
    ev.TrainingChargeRejected,
    ev.TrainingProgress,
    ev.TrainingCompleted,
    ev.TrainingFailed,
    ev.TrainingCancelled,
    ev.TrainingRefunded,
    ev.CreditsDebited,
    ev.CreditsDebitRejected,
    ev.ImageGenerated,
    ev.GenerationFailed,
    ev.CreditsRefunded,
    ev.ModelDeleted,  # our own: what follows a deletion, even if the gateway died right after it
)


# Facts that change a balance: every replica forgets the balance it remembers.
BALANCE_CHANGES = (
    ev.TrainingCharged,
    ev.TrainingRefunded,
    ev.CreditsDebited,
    ev.CreditsRefunded,
)


def register(bus: EventBus, views, account_changes, forget_balance=None, announcer=None) -> None:
    """`views` folds facts (gateway.app.views.Views); `account_changes` wakes waiting requests
    (gateway.app.account_changes.AccountChanges); `forget_balance(account_id)` drops a
    remembered balance (adapters/billing_queries.py); `announcer` makes the webhook
    deliveries an event calls for (app/webhook_delivery.py)."""
    bus.produces(
        ev.DatasetUploaded,
        ev.GenerationRequested,
        ev.TrainingCancelRequested,
        ev.ModelDeleted,
        ev.CreditsPurchased,
        ev.SubscriptionRequested,
    )
    # one ordered consumer: a view sees each training's facts in the order they happened
    bus.consume("views", dict.fromkeys(VISIBLE_FACTS, views.fold))
    # its own durable: a slow or failing webhook store never holds the views back
    if announcer is not None:
        bus.consume("webhooks", dict.fromkeys(ANNOUNCED, announcer.on_event))
    # every replica hears each ev.AccountChanged: the one serving the request wakes up

    async def on_account_changed(event: ev.AccountChanged) -> None:
        """Wake the request waiting for this change, if this replica serves it; forget the
        account's remembered balance."""
        if forget_balance:
            forget_balance(event.account_id)
        await account_changes.on_account_changed(event)

    bus.listen(ev.AccountChanged, on_account_changed)

    async def on_balance_change(event) -> None:
        """Forget the account's remembered balance."""
        if forget_balance:
            forget_balance(event.account_id)

    for event in BALANCE_CHANGES:
        bus.listen(event, on_balance_change)
