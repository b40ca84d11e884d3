"""Small helpers the contract tests share."""

import asyncio
import inspect
import json
import time
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager

import nats

from contracts.bus import DeadLetter, Topology
from contracts.events import DatasetUploaded
from contracts.events.dataset import UploadedImage


def uploaded(n: int = 0, **envelope) -> DatasetUploaded:
    """A DatasetUploaded as the gateway would publish it (a root event: random ids)."""
    fields = {"account_id": "acct-1"} | envelope
    return DatasetUploaded.new(
        training_id=f"trn-{n}",
        dataset_id=f"ds-{n}",
        training_type="character",
        keyword="customalicemodel",
        images=[UploadedImage(key=f"accounts/acct-1/datasets/ds-{n}/a.png", name="a.jpg")],
        **fields,
    )


async def eventually(check: Callable[[], bool | Awaitable[bool]], timeout_s: float = 15.0):
    """Poll `check` (plain or async) until it holds; fail the test after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s}s")
        await asyncio.sleep(0.05)


async def dead_letters(url: str, topology: Topology) -> list[DeadLetter]:
    """Every dead letter of this topology, read back from its stream."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(topology.dead_letter_stream)
        letters = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            if info.state.messages == 0:
                break
            msg = await js.get_msg(topology.dead_letter_stream, seq)
            letters.append(DeadLetter.model_validate(json.loads(msg.data)))
        return letters
    finally:
        await nc.close()


@asynccontextmanager
async def running(*apps):
    """Run FastStream apps in this event loop, as their processes would, until the block ends."""
    started = [asyncio.Event() for _ in apps]
    for app, event in zip(apps, started, strict=True):
        app.after_startup(event.set)
    tasks = [asyncio.create_task(app.run()) for app in apps]
    try:
        await asyncio.wait_for(asyncio.gather(*(event.wait() for event in started)), 30)
        yield
    finally:
        for app in apps:
            app.exit()
        await asyncio.wait_for(asyncio.gather(*tasks), 30)
