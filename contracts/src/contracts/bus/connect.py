"""Build a service's EventBus with the connection settings every service shares."""

from faststream.nats import NatsBroker

from contracts.bus.bus import EventBus
from contracts.bus.topology import Topology


def connect_bus(service: str, url: str, topology: Topology) -> EventBus:
    """An EventBus that reconnects forever: a NATS restart must not take a service down."""
    broker = NatsBroker(
        servers=url.split(","),
        name=f"aitrain-{service}",
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        logger=None,
    )
    return EventBus(service, broker, topology)
