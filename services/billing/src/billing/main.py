"""Composition root: settings → bus, database, handlers → a FastStream app."""

from contextlib import asynccontextmanager

import structlog
from faststream import FastStream
from faststream.specification import AsyncAPI
from pymongo import AsyncMongoClient

from billing import subscribers
from billing.config import SERVICE, Settings
from billing.handlers import BillingHandlers
from contracts.bus import connect_bus
from contracts.logs import configure_logging

DESCRIPTION = "aitrain billing: credit ledger, subscriptions, charges, debits and refunds."


def create_app(settings: Settings | None = None) -> FastStream:
    settings = settings or Settings()
    configure_logging(SERVICE, settings.log_level)
    bus = connect_bus(SERVICE, settings.nats_url, settings.topology())
    subscribers.register(bus, BillingHandlers())

    @asynccontextmanager
    async def lifespan():
        mongo = AsyncMongoClient(settings.mongo_url)
        await mongo.admin.command("ping")  # fail fast when the database is unreachable
        await bus.prepare()
        try:
            yield
        finally:
            await mongo.close()

    spec = AsyncAPI(title="aitrain billing", description=DESCRIPTION)
    logger = structlog.get_logger("faststream")
    return FastStream(bus.broker, lifespan=lifespan, specification=spec, logger=logger)
