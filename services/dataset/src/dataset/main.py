"""Composition root: settings → bus, storage, records, handlers → a FastStream app."""

from faststream import FastStream
from minio import Minio
from pymongo import AsyncMongoClient

from contracts.bus import connect_bus, service_app
from contracts.logs import configure_logging
from contracts.storage import S3ObjectStore
from contracts.stores import stores_ready
from dataset import subscribers
from dataset.adapters.records import MongoDatasetRecords
from dataset.config import SERVICE, Settings
from dataset.handlers import DatasetHandlers

DESCRIPTION = (
    "aitrain dataset: validates and preprocesses uploaded training images, "
    "writing a per-image report."
)


def create_app(settings: Settings | None = None) -> FastStream:
    settings = settings or Settings()
    configure_logging(SERVICE, settings.log_level)
    bus = connect_bus(SERVICE, settings.nats_url, settings.topology())
    mongo = AsyncMongoClient(settings.mongo_url)  # connects on first use, in the lifespan
    s3 = Minio(**settings.minio_kwargs())
    storage = S3ObjectStore(s3, settings.s3_bucket)
    records = MongoDatasetRecords(mongo[settings.database(SERVICE)])
    subscribers.register(bus, DatasetHandlers(storage, records, bus.publish, settings.rules()))
    return service_app(bus, DESCRIPTION, lambda: stores_ready(mongo, s3, settings.s3_bucket))
