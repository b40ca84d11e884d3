"""Billing's rules, as pure functions of an account's state."""

import pytest

from billing.domain import decisions
from billing.domain.ledger import AccountState, Overdraft, apply
from billing.domain.prices import Prices

PRICES = Prices(training_credits=1000, image_credits=5)


def test_the_first_paid_plan_grants_one_free_training_and_nothing_grants_another():
    state = AccountState()
    for plan in ["standard", "pro", "free", "unlimited", "standard"]:
        state = apply(state, decisions.subscribe(state, plan))
    assert state.free_trainings == 1
    assert state.plan == "standard"


def test_the_free_plan_grants_nothing():
    state = AccountState()
    state = apply(state, decisions.subscribe(state, "free"))
    assert (state.free_trainings, state.free_training_granted) == (0, False)


def test_a_training_uses_the_free_training_before_credits():
    state = AccountState(credits=5000, free_trainings=1, free_training_granted=True)
    draft = decisions.charge_training(state, PRICES.training_credits)
    assert (draft.credits, draft.free_trainings) == (0, -1)
    after = apply(state, draft)
    assert apply(after, decisions.charge_training(after, PRICES.training_credits)).credits == 4000


def test_a_training_without_enough_credits_is_rejected_and_says_why():
    draft = decisions.charge_training(AccountState(credits=999), PRICES.training_credits)
    assert draft.is_rejection
    assert draft.description == "a training costs 1000 credits; the account holds 999"
    assert (draft.credits, draft.free_trainings) == (0, 0)


def test_a_generation_costs_five_credits_per_image():
    draft = decisions.debit_generation(AccountState(credits=20), 4, PRICES)
    assert draft.credits == -20
    rejected = decisions.debit_generation(AccountState(credits=19), 4, PRICES)
    assert rejected.is_rejection
    assert rejected.description == "4 images cost 20 credits; the account holds 19"


def test_a_refund_gives_back_exactly_what_the_charge_took():
    from datetime import UTC, datetime

    from billing.domain.ledger import Entry

    state = AccountState(free_trainings=1, free_training_granted=True)
    charge = decisions.charge_training(state, PRICES.training_credits)
    entry = Entry("a", "k", "t", datetime.now(UTC), charge, apply(state, charge))
    back = decisions.refund(entry, "training")
    assert (back.kind, back.credits, back.free_trainings) == ("training_refund", 0, 1)
    assert back.description == "training failed: the free training back"


def test_no_draft_can_overdraw():
    with pytest.raises(Overdraft):
        apply(AccountState(credits=4), decisions.purchase(-5, "bad"))


def _charged(state: AccountState):
    from datetime import UTC, datetime

    from billing.domain.ledger import Entry

    charge = decisions.charge_training(state, PRICES.training_credits)
    return Entry("a", "k", "t", datetime.now(UTC), charge, apply(state, charge))


@pytest.mark.parametrize(
    ("steps_run", "credits"), [(0, 1000), (120, 700), (1, 997), (399, 2), (400, 0)]
)
def test_a_cancelled_training_gives_back_the_unrun_share_in_whole_credits(steps_run, credits):
    back = decisions.cancel_refund(_charged(AccountState(credits=1000)), steps_run, 400)
    assert (back.kind, back.credits, back.free_trainings) == ("training_refund", credits, 0)
    assert f"after {steps_run} of 400 steps: {credits} credits back" in back.description


def test_a_free_training_comes_back_only_if_cancelled_before_its_first_step():
    free = AccountState(free_trainings=1, free_training_granted=True)
    before = decisions.cancel_refund(_charged(free), 0, 400)
    assert (before.credits, before.free_trainings) == (0, 1)
    assert before.description.endswith("the free training back")
    started = decisions.cancel_refund(_charged(free), 1, 400)
    assert (started.credits, started.free_trainings) == (0, 0)
    assert "nothing (the free training had started)" in started.description
