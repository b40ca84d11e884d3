"""ports.ViewChanges over the bus: a core NATS note every gateway replica hears."""

from collections.abc import Awaitable, Callable

from contracts.bus import EventBus


class BusViewChanges:
    def __init__(self, bus: EventBus):
        self.bus = bus

    async def changed(self, record_id: str) -> None:
        await self.bus.tell_replicas(record_id)

    def hear(self, wake: Callable[[str], Awaitable[None]]) -> None:
        self.bus.hear_replicas(wake)
