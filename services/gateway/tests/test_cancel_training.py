"""Cancelling a training in the gateway: the cancel is saved with its TrainingCancelRequested
in one write and published once; the view says `cancelling` until the trainer's
TrainingCancelled, then `cancelled` with the refund; what a cancel would give back is shown
before; a completed or failed training is a 409; a bus that is away is a 503 that keeps
nothing. The store's rule (memory and MongoDB): a cancel never overwrites an unsent write."""

import asyncio
import json

import pytest
from gateway_app import fake_gateway, new_account
from gateway_records import ROOT, completed, training

from contracts.events import (
    TrainingCancelled,
    TrainingCancelRequested,
    TrainingCharged,
    TrainingFailed,
    TrainingProgress,
    TrainingRefunded,
)
from contracts.events.common import TrainingSpec
from gateway.app.outbox import outgoing
from gateway.domain.facts import Change
from gateway.domain.statuses import TrainingStatus


def upload(keyword: str = "zxqcancel") -> dict:
    files = [("images", (f"{n}.jpg", b"jpeg bytes %d" % n, "image/jpeg")) for n in range(15)]
    return {"data": {"type": "object", "keyword": keyword}, "files": files}


def requested(training_id: str = "trn-1") -> TrainingCancelRequested:
    return TrainingCancelRequested.new(**ROOT, training_id=training_id)


@pytest.fixture
async def world():
    async with fake_gateway() as (http, ports, app):
        account_id, me = await new_account(http)
        started = await http.post("/v1/trainings", headers=me, **upload())
        assert started.status_code == 202, started.text
        yield http, ports, app, account_id, me, started.json()["training_id"]


def cancels(ports) -> list:
    return [e for e in ports.publisher.events if isinstance(e, TrainingCancelRequested)]


async def charge_and_run(app, account_id: str, training_id: str, step: int, free=False):
    spec = TrainingSpec(training_type="object", keyword="zxqcancel", images=[], dataset_hash="h")
    facts = [
        TrainingCharged.new(
            account_id=account_id,
            training_id=training_id,
            spec=spec,
            credits_charged=0 if free else 1000,
            used_free_training=free,
            balance_after=0,
        ),
        TrainingProgress.new(
            account_id=account_id, training_id=training_id, step=step, total_steps=400
        ),
    ]
    for fact in facts:
        await app.state.gateway.views.fold(fact)


def stopped_at(account_id: str, training_id: str, steps_run: int) -> TrainingCancelled:
    """The trainer's word that the cancelled job (of 400 steps) stopped after `steps_run`."""
    return TrainingCancelled.new(
        account_id=account_id, training_id=training_id, steps_run=steps_run, total_steps=400
    )


def refunded_697(account_id: str, training_id: str) -> TrainingRefunded:
    """Billing's refund of 1000 credits' unrun share after 121 of 400 steps."""
    return TrainingRefunded.new(
        account_id=account_id,
        training_id=training_id,
        credits_refunded=697,
        free_training_restored=False,
        balance_after=697,
        cause="cancelled",
    )


async def test_a_cancel_is_announced_once_and_shows_cancelling_until_the_trainer_stops(world):
    http, ports, app, account_id, me, training_id = world
    await charge_and_run(app, account_id, training_id, step=120)
    before = (await http.get(f"/v1/trainings/{training_id}", headers=me)).json()
    assert before["status"] == "training"
    assert before["cancel"]["refund_now"] == "about 700 credits (280 of 400 steps not yet run)"
    assert "whole credits" in before["cancel"]["rule"]

    first = await http.post(f"/v1/trainings/{training_id}/cancel", headers=me)
    again = await http.post(f"/v1/trainings/{training_id}/cancel", headers=me)
    assert first.status_code == again.status_code == 202, first.text
    assert first.json()["status"] == again.json()["status"] == "cancelling"
    assert first.json()["cancel"] is None  # nothing more to cancel
    [event] = cancels(ports)
    assert (event.training_id, event.account_id) == (training_id, account_id)
    assert await ports.trainings.pending(older_than_s=-1) == []  # sent, nothing to relay

    stopped = stopped_at(account_id, training_id, 121)
    refunded = refunded_697(account_id, training_id)
    for fact in (stopped, refunded):
        await app.state.gateway.views.fold(fact)
    view = (await http.get(f"/v1/trainings/{training_id}", headers=me)).json()
    assert (view["status"], view["reason"]) == ("cancelled", "cancelled after 121 of 400 steps")
    assert view["refund"] == {"credits": 697, "free_training_restored": False}
    assert await ports.keywords.holder(account_id, "zxqcancel") is None  # free again
    third = await http.post(f"/v1/trainings/{training_id}/cancel", headers=me)
    assert (third.status_code, third.json()["status"]) == (202, "cancelled")
    assert len(cancels(ports)) == 1


async def test_what_a_cancel_gives_back_is_said_before_for_each_stage(world):
    http, _, app, account_id, me, training_id = world
    view = (await http.get(f"/v1/trainings/{training_id}", headers=me)).json()
    assert view["cancel"]["refund_now"].startswith("everything")  # still checking photos
    await charge_and_run(app, account_id, training_id, step=0, free=True)
    view = (await http.get(f"/v1/trainings/{training_id}", headers=me)).json()
    assert view["cancel"]["refund_now"] == "the free training"
    await charge_and_run(app, account_id, training_id, step=5, free=True)
    view = (await http.get(f"/v1/trainings/{training_id}", headers=me)).json()
    assert view["cancel"]["refund_now"] == "nothing: the free training has started"


async def test_a_completed_or_failed_training_cannot_be_cancelled(world):
    http, ports, app, account_id, me, training_id = world
    done = completed(training_id).model_copy(update={"account_id": account_id})
    await app.state.gateway.views.fold(done)
    refused = await http.post(f"/v1/trainings/{training_id}/cancel", headers=me)
    assert refused.status_code == 409
    assert (
        "completed" in refused.json()["detail"] and "delete the model" in refused.json()["detail"]
    )
    other = (await http.post("/v1/trainings", headers=me, **upload("zxqfails"))).json()
    failed = TrainingFailed.new(account_id=account_id, training_id=other["training_id"], reason="x")
    await app.state.gateway.views.fold(failed)
    refused = await http.post(f"/v1/trainings/{other['training_id']}/cancel", headers=me)
    assert refused.status_code == 409 and "already ended (failed)" in refused.json()["detail"]
    missing = await http.post("/v1/trainings/trn-nothing/cancel", headers=me)
    assert missing.status_code == 404 and "GET /v1/trainings" in missing.json()["detail"]
    assert cancels(ports) == []


async def test_a_bus_that_is_away_is_a_503_that_keeps_nothing(world):
    http, ports, _, _, me, training_id = world
    ports.publisher.down = True
    refused = await http.post(f"/v1/trainings/{training_id}/cancel", headers=me)
    assert refused.status_code == 503 and "try again" in refused.json()["detail"]
    view = (await http.get(f"/v1/trainings/{training_id}", headers=me)).json()
    assert view["status"] == "validating" and view["cancel"] is not None
    ports.publisher.down = False
    retried = await http.post(f"/v1/trainings/{training_id}/cancel", headers=me)
    assert (retried.status_code, retried.json()["status"]) == (202, "cancelling")
    assert len(cancels(ports)) == 1


async def test_a_cancel_waits_for_the_start_to_be_sent_and_never_overwrites_it(stores):
    trainings = stores.trainings
    await trainings.create(training(), outgoing())  # its DatasetUploaded not yet sent
    assert not await trainings.request_cancel("acct-v", "trn-1", outgoing(requested()))
    await trainings.mark_sent("trn-1", (await trainings.pending(-1))[0].outgoing.batch)
    assert not await trainings.request_cancel("acct-other", "trn-1", outgoing(requested()))
    assert await trainings.request_cancel("acct-v", "trn-1", outgoing(requested()))
    assert not await trainings.request_cancel("acct-v", "trn-1", outgoing(requested()))  # twice
    [pending] = await trainings.pending(-1)
    assert [e.event_type for e in pending.outgoing.events] == ["TrainingCancelRequested"]
    assert (await trainings.get("acct-v", "trn-1")).cancel_requested_at is not None


async def test_an_ended_training_takes_no_cancel(stores):
    trainings = stores.trainings
    await trainings.create(training(), outgoing())
    await trainings.mark_sent("trn-1", (await trainings.pending(-1))[0].outgoing.batch)
    await trainings.apply("trn-1", Change({"status": TrainingStatus.COMPLETED}))
    assert not await trainings.request_cancel("acct-v", "trn-1", outgoing(requested()))


async def test_a_page_follows_a_cancelled_training_until_its_refund_comes(world):
    """The trainer's TrainingCancelled ends the training, but billing's refund is a fact of
    its own, a moment later: the live updates go on until it has come, so the page that
    said "the refund follows" shows it."""
    http, _, app, account_id, me, training_id = world
    await charge_and_run(app, account_id, training_id, step=120)
    stopped = stopped_at(account_id, training_id, 121)
    await app.state.gateway.views.fold(stopped)
    view = (await http.get(f"/v1/trainings/{training_id}", headers=me)).json()
    assert (view["status"], view["refund"], view["refund_pending"]) == ("cancelled", None, True)

    following = asyncio.create_task(http.get(f"/v1/trainings/{training_id}/events", headers=me))
    await asyncio.sleep(0.5)
    assert not following.done()  # a refund is owed: the stream goes on
    refunded = refunded_697(account_id, training_id)
    await app.state.gateway.views.fold(refunded)
    events = (await asyncio.wait_for(following, 5)).text.split("\n\n")
    last = json.loads(events[-2].split("data: ", 1)[1])
    assert (last["refund"], last["refund_pending"]) == (
        {"credits": 697, "free_training_restored": False},
        False,
    )


@pytest.mark.parametrize(("free", "step"), [(True, 5), (False, 400)])
async def test_a_cancel_that_gives_nothing_back_owes_no_refund(world, free, step):
    """A free training cancelled after it started, or a paid one at its last step: nothing
    comes back, so nothing is awaited (the stream ends with the cancel)."""
    http, _, app, account_id, me, training_id = world
    await charge_and_run(app, account_id, training_id, step=step, free=free)
    stopped = stopped_at(account_id, training_id, step)
    await app.state.gateway.views.fold(stopped)
    view = (await http.get(f"/v1/trainings/{training_id}", headers=me)).json()
    assert (view["status"], view["refund"], view["refund_pending"]) == ("cancelled", None, False)
    answer = await asyncio.wait_for(http.get(f"/v1/trainings/{training_id}/events", headers=me), 5)
    assert answer.text.count("event: status") == 1
