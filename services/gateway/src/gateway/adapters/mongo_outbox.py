"""The outbox of a MongoDB collection: the events a write announces, kept in the written
document itself (`outbox`, as JSON, with `outbox_batch`, `outbox_state`, `outbox_at`), so a
state change and its events are saved in ONE single-document write — no transactions needed
(the embedded server has none).

States: pending (written, not published) → sending (a relay claimed it; its lease ends
SENDING_LEASE_S after `outbox_at`) → sent; or pending → cancelled (the request undid it
after the bus refused). Only pending can be cancelled, and nothing cancelled is ever sent.

Plain equality and number comparisons only: the embedded server stores `$push`ed documents
as strings and ignores `$exists` on array positions, so the list is always written whole.
"""

import json
import time

import structlog
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from contracts.envelope import Event
from contracts.events import ALL_EVENTS
from gateway.ports import Outgoing, Pending

PENDING, SENDING, SENT, CANCELLED = "pending", "sending", "sent", "cancelled"
SENDING_LEASE_S = 30.0
log = structlog.get_logger(__name__)
_EVENTS = {event.__name__: event for event in ALL_EVENTS}


def outbox_fields(out: Outgoing) -> dict:
    return {
        "outbox": [event.model_dump_json() for event in out.events],
        "outbox_batch": out.batch,
        "outbox_state": PENDING,
        "outbox_at": time.time(),
    }


def _event(text: str) -> Event:
    return _EVENTS[json.loads(text)["event_type"]].model_validate_json(text)


class MongoOutbox:
    """Outboxed, for any collection whose writes carry `outbox_fields`."""

    collection: AsyncCollection

    async def create_outbox_index(self) -> None:
        await self.collection.create_index([("outbox_state", 1), ("outbox_at", 1)])

    async def pending(self, older_than_s: float) -> list[Pending]:
        """Claim (for SENDING_LEASE_S) and return writes pending for longer than this, and
        those whose relay died while sending."""
        now = time.time()
        claimed = []
        for state, age in ((PENDING, older_than_s), (SENDING, SENDING_LEASE_S)):
            due = {"outbox_state": state, "outbox_at": {"$lt": now - age}}
            cursor = self.collection.find(
                due, projection=["outbox", "outbox_batch"], sort=[("outbox_at", 1)], limit=100
            )
            for doc in [doc async for doc in cursor]:
                try:
                    events = [_event(text) for text in doc["outbox"]]
                except (KeyError, ValueError):  # e.g. written by a newer gateway: leave it be
                    log.error("gateway.outbox_unreadable", record_id=doc["_id"])
                    continue
                took = await self.collection.update_one(  # unless claimed or cancelled meanwhile
                    {"_id": doc["_id"], "outbox_batch": doc["outbox_batch"]} | due,
                    {"$set": {"outbox_state": SENDING, "outbox_at": now}},
                )
                if took.modified_count == 1:
                    claimed.append(Pending(doc["_id"], Outgoing(doc["outbox_batch"], events)))
        return claimed

    async def mark_sent(self, record_id: str, batch: str) -> None:
        await self.collection.update_one(
            {"_id": record_id, "outbox_batch": batch, "outbox_state": {"$in": [PENDING, SENDING]}},
            {"$set": {"outbox_state": SENT, "outbox": []}},
        )

    async def cancel(self, record_id: str, batch: str, undo: dict) -> bool:
        result = await self.collection.update_one(
            {"_id": record_id, "outbox_batch": batch, "outbox_state": PENDING},
            {"$set": undo | {"outbox_state": CANCELLED, "outbox": []}},
        )
        return result.modified_count == 1

    async def insert_or_redo(self, doc: dict, out: Outgoing) -> bool:
        """Insert `doc` with its outbox; over a cancelled write of the same id too (a request
        the bus refused, tried again). False when a live document has this id."""
        doc = doc | outbox_fields(out)
        # replace, not $set: the embedded server would turn $set datetimes into text
        result = await self.collection.replace_one(
            {"_id": doc["_id"], "outbox_state": CANCELLED}, doc
        )
        if result.modified_count == 1:
            return True
        try:
            await self.collection.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True
