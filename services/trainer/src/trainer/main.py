"""Composition root: settings → bus, database, storage, base model, handlers → a FastStream app."""

from asyncio import to_thread
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext

from faststream import FastStream

from contracts.bus import EventBus, connect_bus, service_app
from contracts.jobs import OutcomeRecords
from contracts.jobs.mongo_records import MongoOutcomeRecords
from contracts.logs import configure_logging
from contracts.stores import Stores
from trainer import subscribers
from trainer.config import SERVICE, Settings
from trainer.engine.base import LoadedBase, load_base, pick_device
from trainer.handlers import TrainerHandlers
from trainer.ports import ObjectStore

DESCRIPTION = (
    "aitrain trainer: trains LoRA adapters with diffusers + peft, one job at a time per process."
)


def create_app(
    settings: Settings | None = None,
    *,
    records: OutcomeRecords | None = None,
    store: ObjectStore | None = None,
    bus: EventBus | None = None,
) -> FastStream:
    """The trainer on MongoDB, S3 and NATS, or on the `records`, `store` and `bus` given."""
    settings = settings or Settings()
    configure_logging(SERVICE, settings.log_level)
    bus = bus or connect_bus(SERVICE, settings.nats_url, settings.topology())
    real = Stores(settings, SERVICE) if records is None or store is None else None
    loaded: list[LoadedBase] = []
    handlers = TrainerHandlers(
        base=lambda: loaded[0],
        storage=store or real.objects,
        records=records or MongoOutcomeRecords(real.db["jobs"]),
        publish=bus.publish,
        max_attempts=settings.topology().consumers.max_attempts,
        pacing=settings.pacing(),
    )
    subscribers.register(bus, handlers)

    @asynccontextmanager
    async def resources() -> AsyncIterator[None]:
        async with real.ready() if real else nullcontext():
            name = settings.require_base_model()
            loaded.append(await to_thread(load_base, name, pick_device(settings.aitrain_device)))
            yield

    return service_app(bus, DESCRIPTION, resources)
