"""Composition root: settings → bus, database, storage, handlers → a FastStream app."""

from asyncio import to_thread
from contextlib import asynccontextmanager

import structlog
from faststream import FastStream
from faststream.specification import AsyncAPI
from minio import Minio
from pymongo import AsyncMongoClient

from contracts.bus import connect_bus
from contracts.logs import configure_logging
from inference import subscribers
from inference.config import SERVICE, Settings
from inference.handlers import InferenceHandlers

DESCRIPTION = "aitrain inference: generates images with exactly one trained LoRA per request."


def create_app(settings: Settings | None = None) -> FastStream:
    settings = settings or Settings()
    configure_logging(SERVICE, settings.log_level)
    bus = connect_bus(SERVICE, settings.nats_url, settings.topology())
    subscribers.register(bus, InferenceHandlers())

    @asynccontextmanager
    async def lifespan():
        mongo = AsyncMongoClient(settings.mongo_url)
        await mongo.admin.command("ping")  # fail fast when a dependency is unreachable
        storage = Minio(**settings.minio_kwargs())
        if not await to_thread(storage.bucket_exists, settings.s3_bucket):
            raise RuntimeError(f"bucket {settings.s3_bucket!r} does not exist")
        await bus.prepare()
        try:
            yield
        finally:
            await mongo.close()

    spec = AsyncAPI(title="aitrain inference", description=DESCRIPTION)
    logger = structlog.get_logger("faststream")
    return FastStream(bus.broker, lifespan=lifespan, specification=spec, logger=logger)
