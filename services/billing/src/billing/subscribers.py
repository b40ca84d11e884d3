"""Thin wiring: billing's inputs go through one ordered consumer, so the ledger is the same
every time the same events are replayed; its queries answer the gateway."""

from billing.handlers import BillingHandlers
from billing.queries import BillingQueries
from contracts import events as ev
from contracts.bus import EventBus
from contracts.queries.billing import AccountQuery, LedgerQuery


def register(bus: EventBus, handlers: BillingHandlers, queries: BillingQueries) -> None:
    bus.produces(
        ev.AccountChanged,
        ev.TrainingCharged,
        ev.TrainingChargeRejected,
        ev.TrainingRefunded,
        ev.CreditsDebited,
        ev.CreditsDebitRejected,
        ev.CreditsRefunded,
    )
    bus.consume(
        "ledger",
        {
            ev.CreditsPurchased: handlers.on_credits_purchased,
            ev.SubscriptionRequested: handlers.on_subscription_requested,
            ev.DatasetValidated: handlers.on_dataset_validated,
            ev.GenerationRequested: handlers.on_generation_requested,
            ev.TrainingFailed: handlers.on_training_failed,
            ev.TrainingCancelled: handlers.on_training_cancelled,
            ev.GenerationFailed: handlers.on_generation_failed,
            ev.ImageGenerated: handlers.on_image_generated,
        },
    )
    bus.answers("account", AccountQuery)(queries.account)
    bus.answers("ledger", LedgerQuery)(queries.ledger)
