"""Live updates as server-sent events: the view of a training or generation, sent whenever
it changes, until it reaches an end.

The stream polls the read model (cheap, and right whichever gateway replica folded the fact)
and sends an `event: status` with the whole view each time the record's `updated_at`
moves; a comment line every KEEP_ALIVE_S keeps proxies from closing a quiet stream.

Each account has at most MAX_STREAMS open on one gateway (a 429 beyond), and a stream whose
record has not changed for QUIET_END_S ends with `event: quiet`: a stuck training must not
hold a connection and a poller forever (the page may follow again).
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse

from gateway.domain.errors import NotFound, Throttled
from gateway.domain.records import Generation, Training

POLL_S = 0.25
KEEP_ALIVE_S = 15.0
MAX_STREAMS = 10
QUIET_END_S = 30 * 60.0
_open: dict[str, int] = {}
"""Live streams open on this gateway, by account."""


def event_stream(
    request: Request,
    fetch: Callable[[], Awaitable[Training | Generation | None]],
    render: Callable[[Training | Generation], dict],
    account_id: str = "",
    version: Callable[[Training | Generation], Any] = lambda record: record.updated_at,
    ended: Callable[[Training | Generation], bool] = lambda record: record.status.ended,
) -> StreamingResponse:
    """Stream `render(fetch())` each time the record's `version` changes (by default its
    `updated_at`), until it has `ended` (by default: its status has)."""
    if _open.get(account_id, 0) >= MAX_STREAMS:
        raise Throttled(
            f"{MAX_STREAMS} live updates are open already; close a page that follows one",
            retry_after_s=5,
        )
    _open[account_id] = _open.get(account_id, 0) + 1

    async def events() -> AsyncIterator[str]:
        try:
            async for event in changes():
                yield event
        finally:
            _open[account_id] -= 1
            if not _open[account_id]:
                del _open[account_id]

    async def changes() -> AsyncIterator[str]:
        seen, quiet_since, changed_at = None, time.monotonic(), time.monotonic()
        while not await request.is_disconnected():
            record = await fetch()
            if record is None:  # deleted under us: nothing more will come
                return
            if version(record) != seen:
                seen, quiet_since = version(record), time.monotonic()
                changed_at = quiet_since
                yield f"event: status\ndata: {json.dumps(render(record))}\n\n"
                if ended(record):
                    return
            elif time.monotonic() - changed_at > QUIET_END_S:
                detail = {"detail": f"no change for {QUIET_END_S / 60:g} minutes; follow again"}
                yield f"event: quiet\ndata: {json.dumps(detail)}\n\n"
                return
            elif time.monotonic() - quiet_since > KEEP_ALIVE_S:
                quiet_since = time.monotonic()
                yield ": keep-alive\n\n"
            await asyncio.sleep(POLL_S)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


async def owned(store, account_id: str, record_id: str, noun: str):
    """The caller's training or generation; NotFound for anything else (never 403)."""
    if (record := await store.get(account_id, record_id)) is None:
        raise NotFound(f"no {noun} {record_id}")
    return record


async def follow(request: Request, store, account_id: str, record_id: str, render, noun: str):
    """The live stream of one of the caller's records (NotFound if it is not theirs)."""
    await owned(store, account_id, record_id, noun)
    return event_stream(request, lambda: store.get(account_id, record_id), render, account_id)


class QueuePlaces:
    """A followed training with its place in the queue, asked at most every PLACE_EVERY_S
    while it waits (three reads across every account's trainings) and at once when the
    training changes; its place, not its ticking estimate, counts as a change."""

    PLACE_EVERY_S = 5.0

    def __init__(self, store, account_id: str, place: Callable[[Training], Awaitable[dict | None]]):
        self.store, self.account_id, self.place = store, account_id, place
        self.last: dict | None = None
        self.asked_at, self.asked_for = 0.0, None

    async def fetch(self, training_id: str) -> Training | None:
        training = await self.store.get(self.account_id, training_id)
        due = time.monotonic() - self.asked_at > self.PLACE_EVERY_S
        if training is not None and (due or training.updated_at != self.asked_for):
            self.last = await self.place(training)
            self.asked_at, self.asked_for = time.monotonic(), training.updated_at
        return training

    def version(self, training: Training) -> tuple:
        return training.updated_at, self.last and self.last["place"]
