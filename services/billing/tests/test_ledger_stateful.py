"""A random walk through billing (hypothesis): top-ups, plans, trainings, generations,
failures, cancels, duplicate deliveries and a crash between the ledger write and the ack — with the
ledger's invariants checked after every step."""

import asyncio
from collections import Counter
from contextlib import suppress

import billing_events as ev
from billing_fakes import MemoryLedger, Outbox, deliver
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from billing.book import LedgerBook
from billing.domain.prices import Prices
from billing.handlers import BillingHandlers
from contracts.events import CreditsRefunded, TrainingRefunded

ACCOUNTS = st.sampled_from(["acct-a", "acct-b"])
PLANS = st.sampled_from(["free", "standard", "pro", "unlimited"])


class Crash(Exception):
    """The process died after the ledger write, before it published and acked."""


class BillingMachine(RuleBasedStateMachine):
    delivered = Bundle("delivered")
    trainings = Bundle("trainings")
    generations = Bundle("generations")

    def __init__(self) -> None:
        super().__init__()
        self.ledger = MemoryLedger()
        self.outbox = Outbox()
        self.handlers = BillingHandlers(LedgerBook(self.ledger), self.outbox.publish, Prices())

    def run(self, handler, event):
        asyncio.run(deliver(handler, event))
        return (handler, event)

    @rule(target=delivered, account=ACCOUNTS, credits=st.integers(1, 3000))
    def top_up(self, account, credits):
        return self.run(self.handlers.on_credits_purchased, ev.purchased(account, credits))

    @rule(target=delivered, account=ACCOUNTS, plan=PLANS)
    def subscribe(self, account, plan):
        return self.run(self.handlers.on_subscription_requested, ev.subscribed(account, plan))

    @rule(target=trainings, account=ACCOUNTS)
    def train(self, account):
        event = ev.validated(account)
        self.run(self.handlers.on_dataset_validated, event)
        return event

    @rule(target=generations, account=ACCOUNTS, images=st.integers(1, 4))
    def generate(self, account, images):
        event = ev.requested(account, images)
        self.run(self.handlers.on_generation_requested, event)
        return event

    @rule(target=delivered, training=trainings)
    def training_fails(self, training):
        failure = ev.training_failed(training.account_id, training.training_id)
        return self.run(self.handlers.on_training_failed, failure)

    @rule(target=delivered, training=trainings, steps_run=st.integers(0, 400))
    def training_is_cancelled(self, training, steps_run):
        cancel = ev.training_cancelled(training.account_id, training.training_id, steps_run)
        return self.run(self.handlers.on_training_cancelled, cancel)

    @rule(target=delivered, generation=generations)
    def generation_fails(self, generation):
        failure = ev.generation_failed(generation.account_id, generation.generation_id)
        return self.run(self.handlers.on_generation_failed, failure)

    @rule(again=delivered)
    def deliver_again(self, again):
        self.run(*again)

    @rule(account=ACCOUNTS, images=st.integers(1, 4))
    def crash_between_write_and_ack(self, account, images):
        event = ev.requested(account, images)

        async def publish_then_die(_):
            raise Crash

        crashing = BillingHandlers(self.handlers.book, publish_then_die, Prices())
        with suppress(Crash):
            asyncio.run(deliver(crashing.on_generation_requested, event))
        self.run(self.handlers.on_generation_requested, event)  # JetStream redelivers it

    @invariant()
    def balances_add_up_and_never_go_negative(self):
        by_account: dict[str, list] = {}
        for entry in self.ledger.entries.values():
            by_account.setdefault(entry.account_id, []).append(entry)
        for entries in by_account.values():
            entries.sort(key=lambda e: e.seq)
            assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
            credits = free = 0
            for entry in entries:
                credits += entry.draft.credits
                free += entry.draft.free_trainings
                assert (entry.after.credits, entry.after.free_trainings) == (credits, free)
                assert credits >= 0 and free >= 0
            assert sum(e.draft.grants_free_training for e in entries) <= 1

    @invariant()
    def each_business_id_has_one_entry_and_one_outcome(self):
        keys = Counter((e.account_id, e.key) for e in self.ledger.entries.values())
        assert all(n == 1 for n in keys.values())
        refunds = Counter(e.training_id for e in self.outbox.of(TrainingRefunded))
        refunds += Counter(e.generation_id for e in self.outbox.of(CreditsRefunded))
        assert all(n == 1 for n in refunds.values())
        outcomes = Counter(e.causation_id for e in self.outbox.events)
        assert all(n == 1 for n in outcomes.values())


BillingMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
TestBilling = BillingMachine.TestCase
