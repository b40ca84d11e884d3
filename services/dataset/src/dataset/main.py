"""Composition root: settings → bus, storage, records, handlers → a FastStream app.

`create_app(settings)` wires MongoDB, S3 and NATS; a test hands in `records=`, `store=`
(e.g. dataset.adapters.memory_records, contracts.memory_storage) and `bus=` instead.
"""

from faststream import FastStream

from contracts.bus import EventBus, service_app
from contracts.wiring import wire
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
    wiring = wire(SERVICE, settings, bus, records, store)
    records = records or MongoDatasetRecords(wiring.stores.db)
    store = store or wiring.stores.objects
    max_attempts = settings.topology().consumers.max_attempts
    handlers = DatasetHandlers(store, records, wiring.bus.publish, settings.rules(), max_attempts)
    subscribers.register(wiring.bus, handlers)
    return service_app(wiring.bus, DESCRIPTION, wiring.ready)
