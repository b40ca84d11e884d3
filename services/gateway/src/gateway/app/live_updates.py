"""Who follows which record on this replica, woken when that record's view changes.

The replica that folds a fact tells every replica (ports.ViewChanges: over the bus, or in
memory in one process); each wakes the live streams that follow the record, which then read
it once. An open stream costs no reads while nothing moves. In case a note is lost, every
RECONCILE_S one read per store (per READ_AT_ONCE records) asks each followed record's
`updated_at` and wakes the streams whose record moved or went.
"""

import asyncio
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import structlog

log = structlog.get_logger(__name__)
RECONCILE_S = 10.0
READ_AT_ONCE = 500


class Versioned(Protocol):
    def versions(self, record_ids: list[str]) -> Awaitable[dict[str, Any]]:
        """Each record's `updated_at`; a record that is not there is left out."""


@dataclass(eq=False)
class Followed:
    """One record followed by one or more streams on this replica."""

    store: Versioned
    woken: set[asyncio.Event] = field(default_factory=set)
    seen: Any = None
    """The `updated_at` a stream last read (set by the streams)."""

    def wake(self) -> None:
        for event in self.woken:
            event.set()


class LiveUpdates:
    def __init__(self) -> None:
        self._followed: dict[str, Followed] = {}

    @contextmanager
    def follow(self, record_id: str, store: Versioned) -> Iterator[tuple[Followed, asyncio.Event]]:
        """While inside: the record, and an event set whenever it changes (clear it, then
        read; set `seen` to what was read)."""
        followed = self._followed.setdefault(record_id, Followed(store))
        woken = asyncio.Event()
        followed.woken.add(woken)
        try:
            yield followed, woken
        finally:
            followed.woken.discard(woken)
            if not followed.woken:
                del self._followed[record_id]

    async def wake(self, record_id: str) -> None:
        """The record's view changed (told by the replica that folded the fact)."""
        if followed := self._followed.get(record_id):
            followed.wake()

    async def reconcile_once(self) -> None:
        by_store: dict[int, tuple[Versioned, list[str]]] = {}
        for record_id, followed in self._followed.items():
            by_store.setdefault(id(followed.store), (followed.store, []))[1].append(record_id)
        for store, record_ids in by_store.values():
            for start in range(0, len(record_ids), READ_AT_ONCE):
                chunk = record_ids[start : start + READ_AT_ONCE]
                held = await store.versions(chunk)
                for record_id in chunk:
                    followed = self._followed.get(record_id)
                    if followed and held.get(record_id) != followed.seen:
                        followed.wake()

    async def reconcile(self, every_s: float = RECONCILE_S) -> None:
        """Forever: reconcile_once every `every_s` (a chore of the app's lifespan)."""
        while True:
            await asyncio.sleep(every_s)
            try:
                await self.reconcile_once()
            except Exception:  # the database away for a while: the next round tries again
                log.warning("gateway.live_updates_unreconciled", exc_info=True)

    def followed(self) -> int:
        """Records followed on this replica now."""
        return len(self._followed)
