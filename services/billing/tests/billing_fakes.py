"""In-memory stand-ins for billing's ports, for unit tests (the same contract suite runs
against them and against MongoDB, see test_ledger_port.py)."""

from billing.domain.ledger import Entry
from billing.ports import KeyTaken, SeqTaken
from contracts import causation
from contracts.envelope import Event


class MemoryLedger:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], Entry] = {}
        self.seqs: set[tuple[str, int]] = set()

    async def insert(self, entry: Entry) -> None:
        if (entry.account_id, entry.key) in self.entries:
            raise KeyTaken(entry.key)
        if (entry.account_id, entry.seq) in self.seqs:
            raise SeqTaken(entry.seq)
        self.entries[(entry.account_id, entry.key)] = entry
        self.seqs.add((entry.account_id, entry.seq))

    async def get(self, account_id: str, key: str) -> Entry | None:
        return self.entries.get((account_id, key))

    async def last(self, account_id: str) -> Entry | None:
        mine = [e for (acct, _), e in self.entries.items() if acct == account_id]
        return max(mine, key=lambda e: e.seq, default=None)

    async def page(self, account_id: str, limit: int, before_seq: int | None) -> list[Entry]:
        mine = [e for (acct, _), e in self.entries.items() if acct == account_id]
        older = [e for e in mine if before_seq is None or e.seq < before_seq]
        return sorted(older, key=lambda e: e.seq, reverse=True)[:limit]


class Outbox:
    """Collects published events; dedupes by event_id like JetStream's duplicate window."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    async def publish(self, event: Event) -> None:
        if all(e.event_id != event.event_id for e in self.events):
            self.events.append(event)

    def of(self, kind: type[Event]) -> list:
        return [e for e in self.events if isinstance(e, kind)]


async def deliver(handler, event: Event) -> None:
    """Call a handler the way the bus does: with the event as the cause of what it publishes."""
    cause = causation.Cause(event.event_id, event.correlation_id, event.account_id)
    with causation.handling(cause):
        await handler(event, None)
