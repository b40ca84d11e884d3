"""The storage billing needs, as a small port: one real adapter (MongoDB), one fake (tests)."""

from typing import Protocol

from billing.domain.ledger import Entry


class KeyTaken(Exception):
    """An entry with this business key exists: the fact is already applied."""


class SeqTaken(Exception):
    """Another writer appended this sequence number first: read again and retry."""


class Ledger(Protocol):
    async def insert(self, entry: Entry) -> None:
        """Store `entry`; KeyTaken or SeqTaken when its key or sequence number exists."""

    async def get(self, account_id: str, key: str) -> Entry | None: ...

    async def last(self, account_id: str) -> Entry | None:
        """The newest entry of the account (its current state), if any."""

    async def page(self, account_id: str, limit: int, before_seq: int | None) -> list[Entry]:
        """Entries newest first, older than `before_seq` when given."""
