"""Composition root: settings → bus, database, storage, warm pipeline, handlers → FastStream."""

from asyncio import to_thread
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import torch
import transformers
from faststream import FastStream

from contracts.bases import Base
from contracts.bus import EventBus, service_app
from contracts.jobs import OutcomeRecords
from contracts.jobs.mongo_records import MongoOutcomeRecords
from contracts.wiring import wire
from inference import subscribers
from inference.config import SERVICE, Settings
from inference.engine.painter import Painter
from inference.engine.served import ServedPainters
from inference.handlers import InferenceHandlers
from inference.ports import ObjectStore

DESCRIPTION = "aitrain inference: text-to-image with one trained LoRA per request, warm pipeline."


def create_app(
    settings: Settings | None = None,
    *,
    records: OutcomeRecords | None = None,
    store: ObjectStore | None = None,
    bus: EventBus | None = None,
) -> FastStream:
    """Inference on MongoDB, S3 and NATS, or on the `records`, `store` and `bus` given."""
    settings = settings or Settings()
    wiring = wire(SERVICE, settings, bus, records, store)
    # each adapter loaded beside others makes transformers print a table of the others'
    # weights as "missing" (they are not: tests/test_painter.py); keep the logs readable
    transformers.logging.set_verbosity_error()
    painters = ServedPainters(settings.catalog(), partial(_painter, settings))
    handlers = InferenceHandlers(
        painters=painters,
        storage=store or wiring.stores.objects,
        records=records or MongoOutcomeRecords(wiring.stores.db["generations"]),
        publish=wiring.bus.publish,
        max_attempts=settings.topology().consumers.max_attempts,
    )
    subscribers.register(wiring.bus, handlers)

    @asynccontextmanager
    async def resources() -> AsyncIterator[None]:
        torch.set_num_threads(settings.cpu_threads())
        async with wiring.ready():
            await to_thread(painters.get, None)  # the default base's pipeline, warm
            yield

    return service_app(wiring.bus, DESCRIPTION, resources, settings.metrics_port)


def _painter(settings: Settings, base: Base) -> Painter:
    device = settings.aitrain_device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    return Painter(
        base.weights,
        torch.device(device),
        capacity=settings.inference_adapters,
        sampling=settings.sampling().for_base(base),
        native_side=base.resolution,
        safety_check=base.safety_check,
    )
