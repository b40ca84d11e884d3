"""Fair GPU queues in the gateway: a training over the plan's limit of unfinished ones is a
429 before anything is stored or charged; a paid one shows its place among every account's
waiting trainings and an estimate from measured job times. On in-memory ports, with the
facts folded as the bus would bring them."""

from datetime import UTC, datetime, timedelta

import pytest
from gateway_app import balance, fake_gateway, new_account

from contracts import queueing
from contracts.events import (
    DatasetUploaded,
    TrainingCharged,
    TrainingCompleted,
    TrainingFailed,
    TrainingProgress,
)
from contracts.events.common import TrainingSpec
from contracts.events.training import TrainingMetrics
from gateway.domain.queue_places import QueuePlace, estimate

SPEC = TrainingSpec(training_type="object", keyword="zxq", images=[], dataset_hash="h")
T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def upload(keyword: str) -> dict:
    files = [("images", (f"{n}.jpg", b"jpeg bytes %d" % n, "image/jpeg")) for n in range(15)]
    return {"data": {"type": "object", "keyword": keyword}, "files": files}


def with_plan(ports, account_id: str, plan: str) -> None:
    ports.billing.balances[account_id] = balance(account_id, credits=5000).model_copy(
        update={"plan": plan}
    )


async def start(http, me, keyword: str) -> str:
    started = await http.post("/v1/trainings", headers=me, **upload(keyword))
    assert started.status_code == 202, started.text
    return started.json()["training_id"]


async def charge(app, account_id: str, training_id: str, plan: str, after_s: float) -> None:
    charged = TrainingCharged.new(
        account_id=account_id,
        training_id=training_id,
        spec=SPEC,
        credits_charged=1000,
        used_free_training=False,
        balance_after=0,
        plan=plan,
    ).model_copy(update={"occurred_at": T0 + timedelta(seconds=after_s)})
    await app.state.gateway.views.fold(charged)


@pytest.fixture
async def world():
    async with fake_gateway(rate_limit_scale=0) as (http, ports, app):
        yield http, ports, app


async def test_one_training_over_the_plan_s_limit_is_a_429_that_keeps_nothing(world):
    http, ports, app = world
    account_id, me = await new_account(http)
    with_plan(ports, account_id, "standard")
    first = [await start(http, me, f"zxqs{n}") for n in range(3)]
    stored, published = len(ports.uploads.objects), len(ports.publisher.events)

    over = await http.post("/v1/trainings", headers=me, **upload("zxqover"))
    assert over.status_code == 429
    assert over.json()["detail"].startswith(
        "you have 3 trainings checking, queued or training, the most the standard plan allows"
    )
    assert over.headers["Retry-After"] == "60"
    assert (len(ports.uploads.objects), len(ports.publisher.events)) == (stored, published)
    keyword = await http.get("/v1/keywords/zxqover", headers=me)
    assert keyword.json()["usable"] is True  # not reserved
    checked = await http.post("/v1/trainings?dry_run=true", headers=me, **upload("zxqover"))
    assert checked.status_code != 429  # checking photos starts nothing

    # one ends: there is room again; a keyed retry of an accepted request is never refused
    failed = TrainingFailed.new(account_id=account_id, training_id=first[0], reason="boom")
    await app.state.gateway.views.fold(failed)
    keyed = {"Idempotency-Key": "k-1"}
    assert (
        await http.post("/v1/trainings", headers=me | keyed, **upload("zxqk"))
    ).status_code == 202
    again = await http.post("/v1/trainings", headers=me | keyed, **upload("zxqk"))
    assert again.status_code == 202
    assert [e.keyword for e in ports.publisher.events if isinstance(e, DatasetUploaded)][
        -1
    ] == "zxqk"


@pytest.mark.parametrize("plan", list(queueing.UNFINISHED_TRAININGS))
async def test_each_plan_has_its_limit_and_a_silent_billing_refuses_no_one(world, plan):
    http, ports, _ = world
    account_id, me = await new_account(http)
    with_plan(ports, account_id, plan)
    limit = queueing.UNFINISHED_TRAININGS[plan]
    for n in range(limit):
        await start(http, me, f"zxq{plan}{n}")
    assert (await http.post("/v1/trainings", headers=me, **upload("zxqmore"))).status_code == 429
    ports.billing.answering = False  # the plan is unknown: billing still charges each one
    assert (await http.post("/v1/trainings", headers=me, **upload("zxqmore"))).status_code == 202


async def test_a_paid_training_shows_its_place_among_every_account_s_and_an_estimate(world):
    http, ports, app = world
    accounts = {}
    for plan in ("free", "standard", "unlimited"):
        account_id, me = await new_account(http)
        with_plan(ports, account_id, plan)
        accounts[plan] = (account_id, me, await start(http, me, f"zxq{plan}"))
    # paid in this order, a minute apart: unlimited's head start puts it first
    for after_s, plan in enumerate(("free", "standard", "unlimited")):
        account_id, _, training_id = accounts[plan]
        await charge(app, account_id, training_id, plan, after_s * 60)

    def place(plan: str):
        _, me, training_id = accounts[plan]
        return http.get(f"/v1/trainings/{training_id}", headers=me)

    views = {plan: (await place(plan)).json() for plan in accounts}
    assert {plan: view["queue"]["place"] for plan, view in views.items()} == {
        "unlimited": 1,
        "standard": 2,
        "free": 3,
    }
    assert views["free"]["queue"]["starts_in_s"] is None  # no job measured yet

    # another account's job ran 100 s; one more is running with 30 s left
    other_id, other = await new_account(http)
    done, running = await start(http, other, "zxqdone"), await start(http, other, "zxqrun")
    metrics = TrainingMetrics(final_loss=0.1, duration_s=100, steps_per_s=1, peak_memory_mb=1)
    completed = TrainingCompleted.new(
        account_id=other_id, training_id=done, model_id="mdl-d", training_type="object",
        keyword="zxqdone", base_model="tiny", weights_key="w", metrics=metrics,
    )  # fmt: skip
    progress = TrainingProgress.new(
        account_id=other_id, training_id=running, step=10, total_steps=100, eta_seconds=30
    )
    for fact in (completed, progress):
        await app.state.gateway.views.fold(fact)
    free = (await place("free")).json()["queue"]
    # one trainer seen: it frees in 30 s, then the two ahead take 100 s each
    assert free["ahead"] == 2
    assert 225 <= free["starts_in_s"] <= 230 and free["done_in_s"] == free["starts_in_s"] + 100
    listed = (await http.get("/v1/trainings", headers=accounts["free"][1])).json()
    assert listed[0]["queue"]["place"] == 3

    # once it trains, it has no place
    _, me, training_id = accounts["unlimited"]
    started = TrainingProgress.new(
        account_id=accounts["unlimited"][0], training_id=training_id, step=1, total_steps=100
    )
    await app.state.gateway.views.fold(started)
    assert (await http.get(f"/v1/trainings/{training_id}", headers=me)).json()["queue"] is None
    assert (await place("free")).json()["queue"]["place"] == 2


def test_the_estimate_gives_each_job_ahead_to_the_trainer_that_frees_first():
    assert estimate(0, [], []) == QueuePlace(1, 0, None, None)
    assert estimate(0, [], [60]) == QueuePlace(1, 0, 0, 60)  # nothing runs: it starts now
    # two trainers busy for 10 s and 50 s; jobs take 100 s (the median of what was measured)
    assert estimate(2, [50, 10], [90, 100, 400]) == QueuePlace(3, 2, 110, 210)
