"""Composition root: settings → bus, storage, records, handlers → a FastStream app.

`create_app(settings)` wires MongoDB, S3 and NATS; a test hands in `records=`, `store=`
(e.g. dataset.adapters.memory_records, contracts.memory_storage) and `bus=` instead.
"""

from faststream import FastStream

from contracts.bus import EventBus, connect_bus, service_app
from contracts.logs import configure_logging
from contracts.stores import Stores
from dataset import subscribers
from dataset.adapters.records import MongoDatasetRecords
from dataset.config import SERVICE, Settings
from dataset.handlers import DatasetHandlers
from dataset.ports import DatasetRecords, ObjectStore

DESCRIPTION = (
    "aitrain dataset: validates and preprocesses uploaded training images, "
    "writing a per-image report."
)


def create_app(
    settings: Settings | None = None,
    *,
    records: DatasetRecords | None = None,
    store: ObjectStore | None = None,
    bus: EventBus | None = None,
) -> FastStream:
    settings = settings or Settings()
    configure_logging(SERVICE, settings.log_level)
    bus = bus or connect_bus(SERVICE, settings.nats_url, settings.topology())
    real = Stores(settings, SERVICE) if records is None or store is None else None
    records = records or MongoDatasetRecords(real.db)
    store = store or real.objects
    subscribers.register(bus, DatasetHandlers(store, records, bus.publish, settings.rules()))
    return service_app(bus, DESCRIPTION, real.ready if real else None)
