"""Composition root: settings → bus, database, storage, base model, handlers → a FastStream app."""

from asyncio import to_thread
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import torch
from faststream import FastStream

from contracts.bus import EventBus, service_app
from contracts.jobs import OutcomeRecords
from contracts.jobs.mongo_records import MongoOutcomeRecords
from contracts.wiring import wire
from trainer import subscribers
from trainer.adapters.mongo_queue import MongoJobQueue
from trainer.config import SERVICE, Settings
from trainer.engine.base import pick_device
from trainer.engine.served import ServedBases
from trainer.handlers import TrainerHandlers
from trainer.ports import ObjectStore
from trainer.queue import JobQueue

DESCRIPTION = (
    "aitrain trainer: trains LoRA adapters with diffusers + peft, one job at a time per process."
)


def create_app(
    settings: Settings | None = None,
    *,
    records: OutcomeRecords | None = None,
    store: ObjectStore | None = None,
    bus: EventBus | None = None,
    queue: JobQueue | None = None,
) -> FastStream:
    """The trainer on MongoDB, S3 and NATS, or on the `records`, `store`, `bus` and `queue`
    given."""
    settings = settings or Settings()
    wiring = wire(SERVICE, settings, bus, records, store, queue)
    device = pick_device(settings.aitrain_device)
    bases = ServedBases(settings.catalog(), device, settings.sampling())
    mongo_queue = None if queue else MongoJobQueue(wiring.stores.db["queue"])
    handlers = TrainerHandlers(
        bases=bases,
        storage=store or wiring.stores.objects,
        records=records or MongoOutcomeRecords(wiring.stores.db["jobs"]),
        publish=wiring.bus.publish,
        max_attempts=settings.topology().consumers.max_attempts,
        queue=queue or mongo_queue,
        pacing=settings.pacing(),
    )
    subscribers.register(wiring.bus, handlers)

    @asynccontextmanager
    async def resources() -> AsyncIterator[None]:
        torch.set_num_threads(settings.cpu_threads())
        async with wiring.ready():
            if mongo_queue:
                await mongo_queue.create_indexes()
            await to_thread(bases.get, None)  # the default base, warm for the first job
            yield

    app = service_app(wiring.bus, DESCRIPTION, resources, settings.metrics_port)
    app.on_shutdown(handlers.leave)  # before the bus stops: a running job hands itself over
    return app
