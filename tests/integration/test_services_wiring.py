"""Each worker service starts against the real servers, binds its durable consumers and
acknowledges its input events (their business logic arrives with later issues)."""

import asyncio
import importlib
from pathlib import Path

import nats
import pytest
from bus_helpers import eventually
from service_routes import ROUTES

from contracts.bus import Topology, connect_bus
from contracts.events import ALL_EVENTS

pytestmark = pytest.mark.integration

# The worker services (the gateway, a FastAPI app, has tests of its own).
INPUTS = {
    service: set(ROUTES[service]) for service in ("dataset", "billing", "trainer", "inference")
}
GOLDEN = {event.__name__: event for event in ALL_EVENTS}


def golden(name: str):
    path = Path(__file__).parents[2] / "contracts" / "tests" / "golden" / f"{name}.json"
    return GOLDEN[name].model_validate_json(path.read_text())


@pytest.mark.parametrize("service", sorted(INPUTS))
async def test_service_consumes_and_acks_each_of_its_inputs(service, service_env, topology):
    main = importlib.import_module(f"{service}.main")
    config = importlib.import_module(f"{service}.config")
    settings = config.Settings(**{k.lower(): v for k, v in service_env.items()})
    app = main.create_app(settings)
    running = asyncio.create_task(app.run())
    nc = await nats.connect(service_env["NATS_URL"])
    js = nc.jetstream()
    try:

        async def consumers_bound() -> bool:
            try:
                names = {c.name async for c in _consumers(js, topology)}
            except nats.js.errors.NotFoundError:
                return False
            return bool(names) and all(name.startswith(f"{service}-") for name in names)

        await eventually(consumers_bound)
        publisher = connect_bus("test", service_env["NATS_URL"], Topology(prefix=topology.prefix))
        publisher.produces(*(GOLDEN[name] for name in INPUTS[service]))
        await publisher.broker.connect()
        for name in sorted(INPUTS[service]):
            await publisher.publish(golden(name))
        await publisher.stop()

        async def all_acked() -> bool:
            infos = [c async for c in _consumers(js, topology)]
            return all(c.num_pending == 0 and c.num_ack_pending == 0 for c in infos) and all(
                c.delivered.stream_seq > 0 for c in infos
            )

        await eventually(all_acked)
    finally:
        app.exit()
        await asyncio.wait_for(running, 30)
        await nc.close()


async def _consumers(js, topology):
    for info in await js.consumers_info(topology.event_stream):
        yield info
