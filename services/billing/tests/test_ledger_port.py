"""One contract, two ledgers: the in-memory fake and MongoDB (over the real server) behave
the same, so unit tests on the fake say something about production."""

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from billing_fakes import MemoryLedger
from pymongo import AsyncMongoClient

from billing.adapters.mongo_ledger import MongoLedger
from billing.book import LedgerBook
from billing.domain import decisions
from billing.domain.ledger import AccountState, Entry, apply
from billing.domain.prices import Prices
from billing.ports import KeyTaken, SeqTaken

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "mongo"])
async def ledger(request):
    if request.param == "memory":
        yield MemoryLedger()
        return
    embedded = request.getfixturevalue("embedded")
    client = AsyncMongoClient(embedded.mongo_url)
    mongo = MongoLedger(client[f"billing_port_{uuid.uuid4().hex[:10]}"])
    await mongo.create_indexes()
    yield mongo
    await client.close()


def entry(seq_state: AccountState, key: str, credits: int, account: str = "a1") -> Entry:
    draft = decisions.purchase(credits, key)
    return Entry(account, key, key, NOW, draft, apply(seq_state, draft))


async def test_an_entry_reads_back_as_written(ledger):
    first = entry(AccountState(), "purchase:1", 50)
    await ledger.insert(first)
    assert await ledger.get("a1", "purchase:1") == first
    assert await ledger.last("a1") == first
    assert await ledger.get("a1", "purchase:2") is None
    assert await ledger.last("someone-else") is None


async def test_a_key_is_applied_once_and_a_seq_is_taken_once(ledger):
    first = entry(AccountState(), "purchase:1", 50)
    await ledger.insert(first)
    with pytest.raises(KeyTaken):
        await ledger.insert(entry(first.after, "purchase:1", 50))
    with pytest.raises(SeqTaken):
        await ledger.insert(entry(AccountState(), "purchase:2", 50))
    other_account = entry(AccountState(), "purchase:1", 50, account="a2")
    await ledger.insert(other_account)  # keys and seqs are per account


async def test_pages_run_newest_first(ledger):
    state = AccountState()
    for n in range(5):
        made = entry(state, f"purchase:{n}", 10)
        await ledger.insert(made)
        state = made.after
    assert [e.seq for e in await ledger.page("a1", 2, None)] == [5, 4]
    assert [e.seq for e in await ledger.page("a1", 10, 4)] == [3, 2, 1]


async def test_concurrent_appends_take_turns_and_never_overdraw(ledger):
    book = LedgerBook(ledger)
    await book.append("a1", "purchase:1", "p1", NOW, lambda s: decisions.purchase(50, "top-up"))
    prices = Prices(image_credits=5)

    async def debit(n: int):
        return await book.append(
            "a1", f"generation:{n}:debit", f"g{n}", NOW,
            lambda state: decisions.debit_generation(state, 1, prices),
        )  # fmt: skip

    entries = await asyncio.gather(*(debit(n) for n in range(30)))
    accepted = [e for e in entries if not e.draft.is_rejection]
    assert len(accepted) == 10
    assert (await book.state("a1")).credits == 0
    assert sorted(e.seq for e in entries) == list(range(2, 32))
    assert all(e.after.credits >= 0 for e in entries)


async def test_two_pods_with_stale_caches_still_never_overdraw(ledger):
    pods = [LedgerBook(ledger), LedgerBook(ledger)]
    await pods[0].append("a1", "purchase:1", "p1", NOW, lambda s: decisions.purchase(12, "x"))
    prices = Prices(image_credits=5)
    made = []
    for n in range(6):  # alternate pods: each one's cached state is stale every other time
        book = pods[n % 2]
        debit = await book.append(
            "a1", f"generation:{n}:debit", f"g{n}", NOW,
            lambda state: decisions.debit_generation(state, 1, prices),
        )  # fmt: skip
        made.append(debit)
    assert [e.draft.is_rejection for e in made] == [False, False, True, True, True, True]
    assert (await pods[1].state("a1")).credits == 2
    assert [e.seq for e in made] == [2, 3, 4, 5, 6, 7]
