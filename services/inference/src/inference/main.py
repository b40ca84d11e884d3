"""Composition root: settings → bus, database, storage, warm pipeline, handlers → FastStream."""

from asyncio import to_thread
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext

import torch
import transformers
from faststream import FastStream

from contracts.bus import EventBus, connect_bus, service_app
from contracts.jobs import OutcomeRecords
from contracts.jobs.mongo_records import MongoOutcomeRecords
from contracts.logs import configure_logging
from contracts.stores import Stores
from inference import subscribers
from inference.config import SERVICE, Settings
from inference.engine.painter import Painter
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
    configure_logging(SERVICE, settings.log_level)
    # each adapter loaded beside others makes transformers print a table of the others'
    # weights as "missing" (they are not: tests/test_painter.py); keep the logs readable
    transformers.logging.set_verbosity_error()
    bus = bus or connect_bus(SERVICE, settings.nats_url, settings.topology())
    real = Stores(settings, SERVICE) if records is None or store is None else None
    painters: list = []
    handlers = InferenceHandlers(
        painter=lambda: painters[0],
        storage=store or real.objects,
        records=records or MongoOutcomeRecords(real.db["generations"]),
        publish=bus.publish,
        max_attempts=settings.topology().consumers.max_attempts,
    )
    subscribers.register(bus, handlers)

    @asynccontextmanager
    async def resources() -> AsyncIterator[None]:
        async with real.ready() if real else nullcontext():
            painters.append(await to_thread(_painter, settings))  # the pipeline stays warm
            yield

    return service_app(bus, DESCRIPTION, resources)


def _painter(settings: Settings) -> Painter:
    device = settings.aitrain_device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    return Painter(
        settings.require_base_model(),
        torch.device(device),
        capacity=settings.inference_adapters,
        steps=settings.inference_steps,
        guidance=settings.inference_guidance,
    )
