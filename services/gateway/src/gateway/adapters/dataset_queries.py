"""The dataset service as the gateway sees it: a set checked on request (a dry run)."""

from contracts.bus import EventBus
from contracts.queries.dataset import CHECK_TIMEOUT_S, SERVICE, CheckAnswer, CheckQuery


class BusDatasetChecks:
    def __init__(self, bus: EventBus):
        self.bus = bus

    async def check(self, query: CheckQuery) -> CheckAnswer:
        return await self.bus.ask(SERVICE, "check", query, CheckAnswer, CHECK_TIMEOUT_S)
