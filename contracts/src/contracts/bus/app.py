"""A worker service as a FastStream app: resources open, topology checked, then consume."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext

import structlog
from faststream import FastStream
from faststream.specification import AsyncAPI

from contracts import metrics
from contracts.bus.bus import EventBus

Resources = Callable[[], AbstractAsyncContextManager]


CONSUMER_POLL_S = 10.0
log = structlog.get_logger("aitrain.metrics")


@asynccontextmanager
async def exported(bus: EventBus, port: int) -> AsyncIterator[None]:
    """While inside: /metrics and /healthz on `port`, and the consumers' lag gauges polled
    from JetStream every CONSUMER_POLL_S. Nothing when `port` is 0."""
    if not port:
        yield
        return
    server = metrics.serve(port, bus.connected)

    async def poll() -> None:
        while True:
            try:
                await bus.observe_consumers()
            except Exception:  # the bus may be away for a while: keep polling
                log.warning("metrics.consumers_unobserved", exc_info=True)
            await asyncio.sleep(CONSUMER_POLL_S)

    task = asyncio.create_task(poll())
    try:
        yield
    finally:
        task.cancel()
        server.shutdown()
        server.server_close()


def service_app(
    bus: EventBus, description: str, resources: Resources | None = None, metrics_port: int = 0
) -> FastStream:
    """FastStream enters the lifespan before it starts consuming, so a handler never runs
    before its database and storage are open and the streams and consumers are declared.
    With `metrics_port`, /metrics and /healthz (the bus connection) are served there from
    then on. Also the source of the service's AsyncAPI document."""

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        async with resources() if resources else nullcontext():
            await bus.prepare()
            async with exported(bus, metrics_port):
                yield

    spec = AsyncAPI(title=f"aitrain {bus.service}", description=description)
    logger = structlog.get_logger("faststream")
    return FastStream(bus.broker, lifespan=lifespan, specification=spec, logger=logger)
