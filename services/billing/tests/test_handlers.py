"""Billing's handlers on the in-memory ledger: charges, debits, refunds, redeliveries."""

import billing_events as ev
import pytest
from billing_fakes import MemoryLedger, Outbox, deliver

from billing.book import LedgerBook
from billing.config import Settings
from billing.domain.prices import Prices
from billing.handlers import BillingHandlers, ChargeNotFound
from contracts.events import (
    AccountChanged,
    CreditsDebited,
    CreditsDebitRejected,
    CreditsRefunded,
    TrainingCharged,
    TrainingChargeRejected,
    TrainingRefunded,
)


@pytest.fixture
def billing():
    outbox = Outbox()
    book = LedgerBook(MemoryLedger())
    handlers = BillingHandlers(book, outbox.publish, Prices())
    return handlers, book, outbox


async def test_free_training_pays_first_and_comes_back_on_failure(billing):
    handlers, book, outbox = billing
    await deliver(handlers.on_credits_purchased, ev.purchased("a", 1500))
    await deliver(handlers.on_subscription_requested, ev.subscribed("a", "pro"))
    first, second = ev.validated("a"), ev.validated("a")
    await deliver(handlers.on_dataset_validated, first)
    await deliver(handlers.on_dataset_validated, second)
    charged = outbox.of(TrainingCharged)
    assert [(c.used_free_training, c.credits_charged) for c in charged] == [
        (True, 0),
        (False, 1000),
    ]
    assert charged[0].causation_id == first.event_id
    await deliver(handlers.on_training_failed, ev.training_failed("a", first.training_id))
    [refund] = outbox.of(TrainingRefunded)
    assert (refund.free_training_restored, refund.credits_refunded) == (True, 0)
    state = await book.state("a")
    assert (state.credits, state.free_trainings) == (500, 1)


async def test_not_enough_credits_rejects_with_what_is_needed_and_held(billing):
    handlers, _, outbox = billing
    await deliver(handlers.on_credits_purchased, ev.purchased("a", 999))
    await deliver(handlers.on_dataset_validated, ev.validated("a"))
    [rejected] = outbox.of(TrainingChargeRejected)
    assert (rejected.credits_needed, rejected.credits_held) == (1000, 999)
    assert "1000 credits" in rejected.reason


async def test_every_input_delivered_twice_is_applied_once(billing):
    handlers, book, outbox = billing
    inputs = [
        (handlers.on_credits_purchased, ev.purchased("a", 1020)),
        (handlers.on_subscription_requested, ev.subscribed("a", "standard")),
        (handlers.on_dataset_validated, training := ev.validated("a")),
        (handlers.on_dataset_validated, ev.validated("a")),
        (handlers.on_generation_requested, gen := ev.requested("a", images=4)),
        (handlers.on_generation_failed, ev.generation_failed("a", gen.generation_id)),
        (handlers.on_training_failed, ev.training_failed("a", training.training_id)),
    ]
    for handler, event in inputs:
        await deliver(handler, event)
        await deliver(handler, event)
    assert len(outbox.of(TrainingCharged)) == 2
    assert len(outbox.of(CreditsDebited)) == 1
    assert len(outbox.of(CreditsRefunded)) == 1
    assert len(outbox.of(TrainingRefunded)) == 1
    state = await book.state("a")
    assert (state.seq, state.credits, state.free_trainings) == (7, 20, 1)


async def test_a_generation_debit_rejection_is_remembered(billing):
    handlers, _, outbox = billing
    gen = ev.requested("a", images=2)
    await deliver(handlers.on_generation_requested, gen)
    await deliver(handlers.on_credits_purchased, ev.purchased("a", 100))
    await deliver(handlers.on_generation_requested, gen)  # redelivered after a top-up
    assert len(outbox.of(CreditsDebitRejected)) == 1
    assert outbox.of(CreditsDebited) == []


async def test_a_failure_of_something_never_charged_is_retried_not_ignored(billing):
    handlers, _, _ = billing
    with pytest.raises(ChargeNotFound):
        await deliver(handlers.on_generation_failed, ev.generation_failed("a", "gen-unknown"))


async def test_a_failed_generation_that_was_never_paid_refunds_nothing(billing):
    handlers, book, outbox = billing
    gen = ev.requested("a")
    await deliver(handlers.on_generation_requested, gen)
    await deliver(handlers.on_generation_failed, ev.generation_failed("a", gen.generation_id))
    assert outbox.of(CreditsRefunded) == []
    assert (await book.state("a")).credits == 0


async def test_a_training_costs_its_base_s_price_and_a_free_training_pays_any_base():
    outbox = Outbox()
    book = LedgerBook(MemoryLedger())
    # the catalog's FLUX.1 costs 3000; SD 1.5 (the default) the deployment's 1000
    settings = Settings(
        aitrain_bases='[{"name": "sd15", "family": "sd"},'
        ' {"name": "flux-dev", "family": "flux", "training_credits": 3000}]'
    )
    handlers = BillingHandlers(book, outbox.publish, settings.prices())
    await deliver(handlers.on_credits_purchased, ev.purchased("a", 4500))
    await deliver(handlers.on_subscription_requested, ev.subscribed("a", "pro"))
    for base in ("flux-dev", "flux-dev", None, "sd15", "flux-dev"):
        await deliver(handlers.on_dataset_validated, ev.validated("a", base=base))
    charged = [(c.spec.base, c.used_free_training, c.credits_charged) for c in
               outbox.of(TrainingCharged)]  # fmt: skip
    assert charged == [
        ("flux-dev", True, 0),
        ("flux-dev", False, 3000),
        (None, False, 1000),
    ]
    rejected = outbox.of(TrainingChargeRejected)
    assert [(r.credits_needed, r.credits_held) for r in rejected] == [(1000, 500), (3000, 500)]
    assert rejected[1].reason == "a training costs 3000 credits; the account holds 500"


async def test_withheld_images_are_refunded_their_price_once_and_others_charged(billing):
    handlers, book, outbox = billing
    await deliver(handlers.on_credits_purchased, ev.purchased("a", 100))
    whole, partly = ev.requested("a", images=4), ev.requested("a", images=4)
    for gen in (whole, partly):
        await deliver(handlers.on_generation_requested, gen)
    await deliver(handlers.on_image_generated, ev.generated("a", whole.generation_id, 4, 0))
    stopped = ev.generated("a", partly.generation_id, 1, 3)
    for _ in range(2):  # redelivered: one refund
        await deliver(handlers.on_image_generated, stopped)
    refunds = outbox.of(CreditsRefunded)
    assert [(r.credits_refunded, r.cause) for r in refunds] == [(15, "withheld")]
    assert (await book.state("a")).credits == 100 - 20 - 20 + 15
    last = await book.ledger.last("a")
    assert last.draft.description == "3 images withheld by the safety check: 15 credits back"


async def test_two_failure_reports_of_one_training_refund_it_once(billing):
    handlers, book, outbox = billing
    await deliver(handlers.on_credits_purchased, ev.purchased("a", 1000))
    training = ev.validated("a")
    await deliver(handlers.on_dataset_validated, training)
    for _ in range(2):  # e.g. two trainer pods each gave up on the job
        await deliver(handlers.on_training_failed, ev.training_failed("a", training.training_id))
    assert len(outbox.of(TrainingRefunded)) == 1
    assert (await book.state("a")).credits == 1000


async def test_a_cancelled_training_is_refunded_its_unrun_share_once_even_if_it_fails_too(
    billing,
):
    handlers, book, outbox = billing
    await deliver(handlers.on_credits_purchased, ev.purchased("a", 1000))
    training = ev.validated("a")
    await deliver(handlers.on_dataset_validated, training)
    cancelled = ev.training_cancelled("a", training.training_id, steps_run=120)
    await deliver(handlers.on_training_cancelled, cancelled)
    await deliver(handlers.on_training_cancelled, cancelled)  # redelivered
    # a second trainer that also gave up on it: a training ends once, so no second refund
    await deliver(handlers.on_training_failed, ev.training_failed("a", training.training_id))
    [refund] = outbox.of(TrainingRefunded)
    assert (refund.credits_refunded, refund.cause, refund.balance_after) == (700, "cancelled", 700)
    assert refund.causation_id == cancelled.event_id
    assert (await book.state("a")).credits == 700


async def test_purchases_and_plan_changes_announce_the_account_once_each(billing):
    handlers, _, outbox = billing
    bought, subscribed = ev.purchased("a", 700), ev.subscribed("a", "pro")
    for handler, event in (
        (handlers.on_credits_purchased, bought),
        (handlers.on_subscription_requested, subscribed),
        (handlers.on_credits_purchased, bought),  # delivered again
    ):
        await deliver(handler, event)
    changed = outbox.of(AccountChanged)
    assert [(c.request_id, c.change, c.plan, c.credits, c.free_trainings) for c in changed] == [
        (bought.purchase_id, "purchase", "free", 700, 0),
        (subscribed.request_id, "subscription", "pro", 700, 1),
    ]  # the redelivered purchase was announced again with the same id, and dropped
    assert changed[1].correlation_id == subscribed.correlation_id
