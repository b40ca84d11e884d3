"""Thin wiring: billing's inputs go through one ordered consumer, so the ledger is the same
every time the same events are replayed; its queries answer the gateway."""

from billing.handlers import BillingHandlers
from billing.queries import BillingQueries
from contracts.bus import EventBus
from contracts.events import (
    AccountChanged,
    CreditsDebited,
    CreditsDebitRejected,
    CreditsPurchased,
    CreditsRefunded,
    DatasetValidated,
    GenerationFailed,
    GenerationRequested,
    SubscriptionRequested,
    TrainingCharged,
    TrainingChargeRejected,
    TrainingFailed,
    TrainingRefunded,
)
from contracts.queries.billing import AccountQuery, LedgerQuery


def register(bus: EventBus, handlers: BillingHandlers, queries: BillingQueries) -> None:
    bus.produces(
        AccountChanged,
        TrainingCharged,
        TrainingChargeRejected,
        TrainingRefunded,
        CreditsDebited,
        CreditsDebitRejected,
        CreditsRefunded,
    )
    bus.consume(
        "ledger",
        {
            CreditsPurchased: handlers.on_credits_purchased,
            SubscriptionRequested: handlers.on_subscription_requested,
            DatasetValidated: handlers.on_dataset_validated,
            GenerationRequested: handlers.on_generation_requested,
            TrainingFailed: handlers.on_training_failed,
            GenerationFailed: handlers.on_generation_failed,
        },
    )
    bus.answers("account", AccountQuery)(queries.account)
    bus.answers("ledger", LedgerQuery)(queries.ledger)
