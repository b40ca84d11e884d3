"""What every worker service's composition root does first: logging, its bus, and its stores
(MongoDB and the bucket) — the real ones unless a test handed in fakes for every port."""

from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass

from contracts.bus import EventBus, connect_bus
from contracts.logs import configure_logging
from contracts.settings import StorageSettings
from contracts.stores import Stores


@dataclass
class Wiring:
    bus: EventBus
    stores: Stores | None
    """None when a test gave every port: then nothing real is opened."""

    def ready(self) -> AbstractAsyncContextManager:
        """For the lifespan: the real stores answer (and close at the end), or nothing."""
        return self.stores.ready() if self.stores else nullcontext()


def wire(service: str, settings: StorageSettings, bus: EventBus | None, *given) -> Wiring:
    """`given`: the ports a test handed in (None where it did not)."""
    configure_logging(service, settings.log_level, settings.aitrain_instance)
    bus = bus or connect_bus(
        service, settings.nats_url, settings.topology(), **settings.nats_credentials()
    )
    real = Stores(settings, service) if any(port is None for port in given) else None
    return Wiring(bus, real)
