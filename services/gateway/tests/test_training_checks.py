"""Check before paying (POST /v1/trainings?dry_run=true) on in-memory ports: the report and
the price at once, nothing charged, reserved or announced, the same refusals as a training,
and a 503 saying so when the dataset service does not answer."""

import pytest
from gateway_app import balance, fake_gateway, new_account

from contracts.events.common import Finding

BLURRY = Finding(severity="error", code="blurry", message="'07.jpg' is too blurry to learn from")


def upload(keyword: str = "zxq", count: int = 15, kind: str = "object") -> dict:
    files = [("images", (f"{n:02d}.jpg", b"jpeg bytes %d" % n, "image/jpeg")) for n in range(count)]
    return {"data": {"type": kind, "keyword": keyword}, "files": files}


@pytest.fixture
async def world():
    async with fake_gateway() as (http, ports, _):
        account_id, me = await new_account(http)
        yield http, ports, account_id, me


async def test_a_dry_run_answers_the_report_and_the_price_and_starts_nothing(world):
    http, ports, account_id, me = world
    ports.billing.balances[account_id] = balance(account_id, credits=300, free=0)
    ports.dataset_checks.findings["07.jpg"] = [BLURRY]
    answer = await http.post("/v1/trainings?dry_run=true", headers=me, **upload())
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["price"] == {
        "credits": 1000, "uses_free_training": False, "balance": 300, "covered": False
    }  # fmt: skip
    assert (body["ready"], body["photos_ok"], body["keyword"]["usable"]) == (False, False, True)
    bad = [i for i in body["report"]["images"] if i["findings"]]
    assert [i["name"] for i in bad] == ["07.jpg"]
    assert bad[0]["url"].startswith("https://objects.invalid/originals/")
    [asked] = ports.dataset_checks.asked
    assert all(i.key.startswith(f"originals/{account_id}/{asked.check_id}/") for i in asked.images)
    assert ports.publisher.events == []  # no DatasetUploaded: nothing will train or charge
    assert await ports.keywords.holder(account_id, "zxq") is None
    assert (await http.get("/v1/trainings", headers=me)).json() == []


async def test_the_free_training_covers_it_and_a_good_set_is_ready(world):
    http, ports, account_id, me = world
    ports.billing.balances[account_id] = balance(account_id, credits=0, free=1)
    body = (await http.post("/v1/trainings?dry_run=true", headers=me, **upload())).json()
    assert body["price"] == {
        "credits": 0,
        "uses_free_training": True,
        "balance": 0,
        "covered": True,
    }
    assert body["ready"] is True
    started = await http.post("/v1/trainings", headers=me, **upload())
    assert started.status_code == 202  # the keyword was not reserved by the check


async def test_a_keyword_in_use_is_reported_not_refused(world):
    http, ports, account_id, me = world
    await ports.keywords.reserve(account_id, "zxq", "trn_other")
    body = (await http.post("/v1/trainings?dry_run=true", headers=me, **upload())).json()
    assert body["keyword"]["usable"] is False
    assert "already have a training or model" in body["keyword"]["problem"]
    assert body["ready"] is False


@pytest.mark.parametrize(
    ("form", "detail"),
    [
        (upload(count=14), "14 images sent; upload 15 to 25"),
        (upload(keyword="My Model"), "lowercase letters or digits"),
        (upload(kind="vehicle"), "type must be one of character, style, object"),
    ],
)
async def test_bad_input_is_the_same_422_as_a_training(world, form, detail):
    http, ports, _, me = world
    answer = await http.post("/v1/trainings?dry_run=true", headers=me, **form)
    assert answer.status_code == 422
    assert detail in answer.json()["detail"]
    assert ports.dataset_checks.asked == []


async def test_a_dataset_service_that_does_not_answer_is_a_503_saying_so(world):
    http, ports, _, me = world
    ports.dataset_checks.answering = False
    answer = await http.post("/v1/trainings?dry_run=true", headers=me, **upload())
    assert answer.status_code == 503
    assert "photo check could not be done now; nothing was charged" in answer.json()["detail"]


async def test_an_idempotency_key_does_not_replay_a_check(world):
    http, ports, _, me = world
    key = {"Idempotency-Key": "check-1"}
    for _ in range(2):
        answer = await http.post("/v1/trainings?dry_run=true", headers=me | key, **upload())
        assert answer.status_code == 200
    assert len(ports.dataset_checks.asked) == 2  # each checked again
