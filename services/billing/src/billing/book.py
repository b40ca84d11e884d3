"""Appending to the ledger safely under concurrency and redelivery, without transactions.

Each append decides on the account's newest state and inserts the next sequence number.
The unique (account, seq) index makes concurrent writers of one account take turns (the
loser reads again and re-decides), so no two decisions see the same balance and a balance
never goes negative; the unique (account, key) makes a redelivered fact a no-op that
returns the entry it made the first time.

The newest state of recently used accounts is cached: the common append is then a single
insert. A stale cache (another pod wrote) costs one failed insert and a re-read, never a
wrong balance, because the indexes, not the cache, decide.
"""

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime

from billing.domain.ledger import AccountState, Draft, Entry, apply
from billing.ports import KeyTaken, Ledger, SeqTaken

MAX_TURNS = 1000  # a writer waits its turn this often at most before it reports contention
CACHED_ACCOUNTS = 10_000


class Contention(RuntimeError):
    """Too many concurrent writers on one account; retried later like any transient error."""


class LedgerBook:
    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        self._newest: OrderedDict[str, AccountState] = OrderedDict()

    async def state(self, account_id: str) -> AccountState:
        """The account's state as stored now (what queries answer)."""
        newest = await self.ledger.last(account_id)
        return newest.after if newest else AccountState()

    async def append(
        self,
        account_id: str,
        key: str,
        reference: str,
        occurred_at: datetime,
        decide: Callable[[AccountState], Draft],
    ) -> Entry:
        """The entry for `key`: the one stored before, or a new one decided on current state."""
        for _ in range(MAX_TURNS):
            state = self._newest.get(account_id) or await self.state(account_id)
            draft = decide(state)
            entry = Entry(account_id, key, reference, occurred_at, draft, apply(state, draft))
            try:
                await self.ledger.insert(entry)
            except KeyTaken:
                return await self.ledger.get(account_id, key)
            except SeqTaken:
                self._newest.pop(account_id, None)  # someone else wrote: read again
                continue
            self._remember(entry)
            return entry
        raise Contention(f"account {account_id}: gave up after {MAX_TURNS} turns")

    def _remember(self, entry: Entry) -> None:
        self._newest[entry.account_id] = entry.after
        self._newest.move_to_end(entry.account_id)
        if len(self._newest) > CACHED_ACCOUNTS:
            self._newest.popitem(last=False)
