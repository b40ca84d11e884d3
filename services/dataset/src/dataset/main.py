"""Composition root: settings → bus, storage, records, handlers → a FastStream app.

`create_app(settings)` wires MongoDB, S3 and NATS; a test hands in `records=`, `store=`
(e.g. dataset.adapters.memory_records, contracts.memory_storage) and `bus=` instead.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from faststream import FastStream

from contracts.bus import EventBus, service_app
from contracts.wiring import wire
from dataset import subscribers
from dataset.adapters.records import MongoDatasetRecords
from dataset.config import SERVICE, Settings
from dataset.handlers import DatasetHandlers
from dataset.ports import DatasetRecords, ObjectStore

log = structlog.get_logger(__name__)
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
    handlers = DatasetHandlers(
        store,
        records,
        wiring.bus.publish,
        settings.rules(),
        max_attempts,
        settings.retention(),
        settings.catalog(),
    )
    subscribers.register(wiring.bus, handlers)

    @asynccontextmanager
    async def resources() -> AsyncIterator[None]:
        async with wiring.ready():
            if hasattr(records, "create_indexes"):
                await records.create_indexes()
            sweeper = asyncio.create_task(sweep(handlers, settings.dataset_sweep_s))
            try:
                yield
            finally:
                sweeper.cancel()

    return service_app(wiring.bus, DESCRIPTION, resources, settings.metrics_port)


async def sweep(handlers: DatasetHandlers, every_s: float) -> None:
    """Delete due originals, forever; a failed round (database or storage away) waits for
    the next one."""
    while True:
        try:
            await handlers.delete_due_originals()
        except Exception:  # logged; the next round tries again
            log.exception("dataset.sweep_failed")
        await asyncio.sleep(every_s)
