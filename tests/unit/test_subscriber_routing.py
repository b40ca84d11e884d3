"""Each service routes each input event to the right handler (FastStream's in-memory broker)."""

import importlib
import inspect
from pathlib import Path

import pytest
from faststream.nats import TestNatsBroker
from service_routes import ROUTES

from contracts.bus import EventBus, Topology, connect_bus
from contracts.events import ALL_EVENTS

GOLDEN_DIR = Path(__file__).parents[2] / "contracts" / "tests" / "golden"
EVENTS = {event.__name__: event for event in ALL_EVENTS}


class RecordingHandlers:
    """Stands in for a service's handlers: every method records what it was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __getattr__(self, method: str):
        async def record(event, delivery=None) -> None:  # listeners get no delivery
            self.calls.append((method, event.event_type))

        return record


def golden(name: str):
    return EVENTS[name].model_validate_json((GOLDEN_DIR / f"{name}.json").read_text())


@pytest.mark.parametrize("service", sorted(ROUTES))
async def test_each_input_reaches_its_handler_and_nothing_else(service):
    subscribers = importlib.import_module(f"{service}.subscribers")
    bus = connect_bus(service, "nats://127.0.0.1:1", Topology(prefix="unit"))
    handlers = RecordingHandlers()
    extra = len(inspect.signature(subscribers.register).parameters) - 2  # e.g. billing's queries
    subscribers.register(bus, handlers, *[RecordingHandlers()] * extra)
    sender = EventBus("sender", bus.broker, bus.topology)  # same in-memory broker
    sender.produces(*ALL_EVENTS)
    async with TestNatsBroker(bus.broker):
        for name in sorted(EVENTS):
            await sender.publish(golden(name))
    expected = sorted(
        (method, name)
        for name, methods in ROUTES[service].items()
        for method in ((methods,) if isinstance(methods, str) else methods)
    )
    assert sorted(handlers.calls) == expected


async def test_publishing_an_undeclared_event_is_refused():
    bus = connect_bus("svc", "nats://127.0.0.1:1", Topology(prefix="unit"))
    with pytest.raises(LookupError, match="does not declare"):
        await bus.publish(golden("ModelDeleted"))
