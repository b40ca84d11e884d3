"""Composition root: settings → bus, database, storage, base model, handlers → a FastStream app."""

from asyncio import to_thread
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from faststream import FastStream
from minio import Minio
from pymongo import AsyncMongoClient

from contracts.bus import connect_bus, service_app
from contracts.jobs.mongo_records import MongoOutcomeRecords
from contracts.logs import configure_logging
from contracts.storage import S3ObjectStore
from contracts.stores import stores_ready
from trainer import subscribers
from trainer.config import SERVICE, Settings
from trainer.engine.base import BaseModel, load_base, pick_device
from trainer.handlers import TrainerHandlers

DESCRIPTION = (
    "aitrain trainer: trains LoRA adapters with diffusers + peft, one job at a time per process."
)


def create_app(settings: Settings | None = None) -> FastStream:
    settings = settings or Settings()
    configure_logging(SERVICE, settings.log_level)
    bus = connect_bus(SERVICE, settings.nats_url, settings.topology())
    mongo = AsyncMongoClient(settings.mongo_url)
    storage = Minio(**settings.minio_kwargs())
    loaded: list[BaseModel] = []
    handlers = TrainerHandlers(
        base=lambda: loaded[0],
        storage=S3ObjectStore(storage, settings.s3_bucket),
        records=MongoOutcomeRecords(mongo[settings.database(SERVICE)]["jobs"]),
        publish=bus.publish,
        max_attempts=settings.topology().consumers.max_attempts,
        pacing=settings.pacing(),
    )
    subscribers.register(bus, handlers)

    @asynccontextmanager
    async def resources() -> AsyncIterator[None]:
        async with stores_ready(mongo, storage, settings.s3_bucket):
            name = settings.require_base_model()
            loaded.append(await to_thread(load_base, name, pick_device(settings.aitrain_device)))
            yield

    return service_app(bus, DESCRIPTION, resources)
