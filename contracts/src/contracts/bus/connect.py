"""Build a service's EventBus with the connection settings every service shares."""

from faststream.nats import NatsBroker
from faststream.nats.security import NatsUserPassword

from contracts.bus.bus import EventBus
from contracts.bus.topology import Topology


def connect_bus(
    service: str,
    url: str,
    topology: Topology,
    graceful_timeout_s: float = 15.0,
    *,
    username: str = "",
    password: str = "",
) -> EventBus:
    """An EventBus that reconnects forever: a NATS restart must not take a service down.

    On stop, a running handler gets `graceful_timeout_s` to finish; after that it is
    cancelled unacked and JetStream redelivers its message (to this or another pod).
    `username`, `password`: the service's NATS user (contracts.bus.permissions).
    """
    credentials = {"username": username, "password": password} if username else {}
    broker = NatsBroker(
        graceful_timeout=graceful_timeout_s,
        servers=url.split(","),
        name=f"aitrain-{service}",
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        logger=None,
        security=NatsUserPassword(**credentials) if credentials else None,
    )
    return EventBus(service, broker, topology)
