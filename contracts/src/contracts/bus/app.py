"""A worker service as a FastStream app: resources open, topology checked, then consume."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext

import structlog
from faststream import FastStream
from faststream.specification import AsyncAPI

from contracts import metrics
from contracts.bus.bus import EventBus

Resources = Callable[[], AbstractAsyncContextManager]


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
            server = metrics.serve(metrics_port, bus.connected) if metrics_port else None
            try:
                yield
            finally:
                if server:
                    server.shutdown()
                    server.server_close()

    spec = AsyncAPI(title=f"aitrain {bus.service}", description=description)
    logger = structlog.get_logger("faststream")
    return FastStream(bus.broker, lifespan=lifespan, specification=spec, logger=logger)
