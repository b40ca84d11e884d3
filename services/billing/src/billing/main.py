"""Composition root: settings → bus, ledger, handlers and queries → a FastStream app."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from faststream import FastStream
from pymongo import AsyncMongoClient

from billing import subscribers
from billing.adapters.mongo_ledger import MongoLedger
from billing.book import LedgerBook
from billing.config import SERVICE, Settings
from billing.handlers import BillingHandlers
from billing.ports import Ledger
from billing.queries import BillingQueries
from contracts.bus import EventBus, connect_bus, service_app
from contracts.logs import configure_logging

DESCRIPTION = "aitrain billing: credit ledger, subscriptions, charges, debits and refunds."


def create_app(
    settings: Settings | None = None, *, ledger: Ledger | None = None, bus: EventBus | None = None
) -> FastStream:
    """Billing on MongoDB and NATS, or on the `ledger` and `bus` given (tests/billing_fakes)."""
    settings = settings or Settings()
    configure_logging(SERVICE, settings.log_level, settings.aitrain_instance)
    bus = bus or connect_bus(
        SERVICE, settings.nats_url, settings.topology(), **settings.nats_credentials()
    )
    mongo = AsyncMongoClient(settings.mongo_url) if ledger is None else None  # used in lifespan
    ledger = ledger or MongoLedger(mongo[settings.database(SERVICE)])
    book, prices = LedgerBook(ledger), settings.prices()
    subscribers.register(
        bus, BillingHandlers(book, bus.publish, prices), BillingQueries(book, prices)
    )

    @asynccontextmanager
    async def resources() -> AsyncIterator[None]:
        try:
            await ledger.create_indexes()  # also fails fast if MongoDB is unreachable
            yield
        finally:
            await mongo.close()

    return service_app(bus, DESCRIPTION, resources if mongo else None, settings.metrics_port)
