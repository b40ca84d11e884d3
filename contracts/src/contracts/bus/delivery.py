"""One delivery of an event to a handler, with the means to keep a long job leased."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from faststream.nats import NatsMessage


@dataclass
class Delivery:
    message: NatsMessage | None
    """None when a dead letter is replayed (contracts.bus.replay): no JetStream message is
    held, so there is no lease to keep."""
    attempt: int
    """1 on first delivery; higher when JetStream redelivers (after a nack, timeout or crash)."""
    ack_wait_s: float

    async def heartbeat(self) -> None:
        """Tell JetStream the job is alive, resetting its ack timer."""
        if self.message is not None:
            await self.message.in_progress()

    @asynccontextmanager
    async def keep_leased(self) -> AsyncIterator[None]:
        """Send heartbeats in the background while a long job (training, generation) runs.

        If the process dies, the heartbeats stop and the job is redelivered to another pod.
        """

        async def beat() -> None:
            while True:
                await asyncio.sleep(self.ack_wait_s / 3)
                await self.heartbeat()

        task = asyncio.create_task(beat())
        try:
            yield
        finally:
            task.cancel()
