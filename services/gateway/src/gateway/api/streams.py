"""Live updates as server-sent events: the view of a training or generation, sent whenever
it changes, until it reaches an end.

A stream reads its record when woken (app/live_updates.py: the replica that folded a fact
tells every replica, and a batched read every RECONCILE_S catches a lost note), not on a
timer: an open stream costs nothing while its record stands still. Each `event: status`
carries the whole view and an `id:` naming its version, so a browser that reconnects
(EventSource sends `Last-Event-ID`) gets only what it has not seen; one that saw the end gets
204, which tells EventSource to stop. sse-starlette hears a closed connection at once (the
generator is cancelled, not left waiting for its next wake-up) and sends a ping comment every
KEEP_ALIVE_S so proxies keep a quiet stream open.

Each account has at most MAX_STREAMS open on one gateway (a 429 beyond), and a stream whose
record has not changed for QUIET_END_S ends with `event: quiet`: a stuck training must not
hold a connection forever (the page may follow again).
"""

import asyncio
import contextlib
import hashlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import Request, Response
from sse_starlette import EventSourceResponse, ServerSentEvent

from gateway.app.live_updates import LiveUpdates, Versioned
from gateway.domain.errors import NotFound, Throttled
from gateway.domain.records import Generation, Training
from gateway.domain.statuses import TrainingStatus

KEEP_ALIVE_S = 15.0
MAX_STREAMS = 10
QUIET_END_S = 30 * 60.0
_open: dict[str, int] = {}
"""Live streams open on this gateway, by account."""

Record = Training | Generation


def event_id(version: Any) -> str:
    """A record version as an SSE id (short, opaque, the same on every replica)."""
    return hashlib.sha256(repr(version).encode()).hexdigest()[:16]


async def event_stream(
    request: Request,
    live: LiveUpdates,
    record_id: str,
    store: Versioned,
    fetch: Callable[[], Awaitable[Record | None]],
    render: Callable[[Record], dict],
    account_id: str = "",
    version: Callable[[Record], Any] = lambda record: record.updated_at,
    ended: Callable[[Record], bool] = lambda record: record.status.ended,
    every_s: Callable[[Record], float] = lambda record: QUIET_END_S,
) -> Response:
    """Stream `render(fetch())` each time the record's `version` changes (by default its
    `updated_at`), until it has `ended` (by default: its status has). `every_s(record)`: how
    long a stream may wait unwoken before reading again (a training's queue place moves
    while nothing wakes it)."""
    resumed_at = request.headers.get("last-event-id")
    record = await fetch()
    if record is not None and resumed_at == event_id(version(record)) and ended(record):
        return Response(status_code=204)  # it saw the end: EventSource stops reconnecting
    if _open.get(account_id, 0) >= MAX_STREAMS:
        raise Throttled(
            f"{MAX_STREAMS} live updates are open already; close a page that follows one",
            retry_after_s=5,
        )
    _open[account_id] = _open.get(account_id, 0) + 1

    async def events() -> AsyncIterator[ServerSentEvent]:
        try:
            with live.follow(record_id, store) as (followed, woken):
                async for event in changes(record, followed, woken):
                    yield event
        finally:
            _open[account_id] -= 1
            if not _open[account_id]:
                del _open[account_id]

    async def changes(record, followed, woken) -> AsyncIterator[ServerSentEvent]:
        seen, changed_at = resumed_at, time.monotonic()
        while record is not None:  # None: deleted under us, nothing more will come
            followed.seen = record.updated_at
            if (tag := event_id(version(record))) != seen:
                seen, changed_at = tag, time.monotonic()
                yield _event(render(record), event="status", id=tag)
                if ended(record):
                    return
            quiet_left = QUIET_END_S - (time.monotonic() - changed_at)
            if quiet_left <= 0:
                detail = {"detail": f"no change for {QUIET_END_S / 60:g} minutes; follow again"}
                yield _event(detail, event="quiet")
                return
            with contextlib.suppress(TimeoutError):  # not woken: look again all the same
                await asyncio.wait_for(woken.wait(), min(every_s(record), quiet_left))
            woken.clear()
            record = await fetch()

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return EventSourceResponse(events(), headers=headers, ping=KEEP_ALIVE_S, sep="\n")


def _event(data: dict, **fields: str) -> ServerSentEvent:
    return ServerSentEvent(json.dumps(data), sep="\n", **fields)  # lines end as the spec shows


async def owned(store, account_id: str, record_id: str, noun: str):
    """The caller's training or generation; NotFound for anything else (never 403)."""
    if (record := await store.get(account_id, record_id)) is None:
        raise NotFound(f"no {noun} {record_id}")
    return record


async def follow(
    request: Request, live: LiveUpdates, store, account_id: str, record_id: str, render, noun: str
) -> Response:
    """The live stream of one of the caller's records (NotFound if it is not theirs)."""
    await owned(store, account_id, record_id, noun)
    fetch = lambda: store.get(account_id, record_id)  # noqa: E731
    return await event_stream(request, live, record_id, store, fetch, render, account_id)


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

    def every_s(self, training: Training) -> float:
        """Waiting in the queue, its place moves as others start: look again soon."""
        return self.PLACE_EVERY_S if training.status is TrainingStatus.QUEUED else QUIET_END_S
