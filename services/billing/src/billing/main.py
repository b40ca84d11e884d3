"""Composition root: settings → bus, database, handlers → a FastStream app."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from faststream import FastStream
from pymongo import AsyncMongoClient

from billing import subscribers
from billing.config import SERVICE, Settings
from billing.handlers import BillingHandlers
from contracts.bus import connect_bus, service_app
from contracts.logs import configure_logging

DESCRIPTION = "aitrain billing: credit ledger, subscriptions, charges, debits and refunds."


def create_app(settings: Settings | None = None) -> FastStream:
    settings = settings or Settings()
    configure_logging(SERVICE, settings.log_level)
    bus = connect_bus(SERVICE, settings.nats_url, settings.topology())
    subscribers.register(bus, BillingHandlers())

    @asynccontextmanager
    async def resources() -> AsyncIterator[None]:
        mongo = AsyncMongoClient(settings.mongo_url)
        try:
            await mongo.admin.command("ping")  # fail fast when the database is unreachable
            yield
        finally:
            await mongo.close()

    return service_app(bus, DESCRIPTION, resources)
