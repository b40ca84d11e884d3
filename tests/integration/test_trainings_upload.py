"""Uploading a training set over HTTP, with the dataset and billing services running for
real: statuses, the report, keyword rules, limits, idempotency and privacy."""

import json
from contextlib import asynccontextmanager

import dataset_images as photos
import httpx
import pytest
from bus_helpers import eventually, running

from billing.config import Settings as BillingSettings
from billing.main import create_app as create_billing
from dataset.config import Settings as DatasetSettings
from dataset.main import create_app as create_dataset
from gateway.config import Settings as GatewaySettings
from gateway.main import create_app as create_gateway

pytestmark = pytest.mark.integration
ADMIN = "test-admin-token-uploads"


@asynccontextmanager
async def platform(service_env):
    env = {k.lower(): v for k, v in service_env.items()} | {"aitrain_admin_token": ADMIN}
    gateway = create_gateway(GatewaySettings(**env))
    async with (
        running(create_billing(BillingSettings(**env)), create_dataset(DatasetSettings(**env))),
        gateway.router.lifespan_context(gateway),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=gateway), base_url="http://gateway", timeout=60
        ) as client,
    ):
        yield client


@pytest.fixture
async def client(service_env):
    async with platform(service_env) as client:
        yield client


async def account(client, plan: str | None = "pro") -> dict[str, str]:
    made = (await client.post("/v1/accounts", headers={"Authorization": f"Bearer {ADMIN}"})).json()
    headers = {"Authorization": f"Bearer {made['api_key']}"}
    if plan:  # as the operator sets a plan paid outside the platform
        body = {"plan": plan, "reason": "paid"}
        admin = {"Authorization": f"Bearer {ADMIN}"}
        await client.put(f"/v1/accounts/{made['account_id']}/plan", json=body, headers=admin)
    return headers


def form(named, keyword="customastromodel", kind="character", captions=None):
    files = [("images", (name, data, "image/jpeg")) for name, data in named]
    files += [
        ("images", (f"{n}.txt", text.encode(), "text/plain"))
        for n, text in (captions or {}).items()
    ]
    return {"data": {"type": kind, "keyword": keyword}, "files": files}


async def settled(client, headers, training_id: str, waiting=("validating",)) -> dict:
    state = {}

    async def done() -> bool:
        state.update((await client.get(f"/v1/trainings/{training_id}", headers=headers)).json())
        return state["status"] not in waiting

    await eventually(done, timeout_s=90)
    return state


async def test_a_good_set_is_validated_charged_and_queued(client):
    me = await account(client)
    sent = await client.post(
        "/v1/trainings",
        headers=me,
        **form(photos.portraits(15), captions={"IMG_1003.jpg": "a man in a space suit"}),
    )
    assert sent.status_code == 202, sent.text
    assert sent.json()["status"] == "validating"
    training = await settled(
        client, me, sent.json()["training_id"], ("validating", "awaiting_payment")
    )
    assert training["status"] == "queued"  # paid with the free training
    assert len(training["report"]["images"]) == 15
    assert (await client.get("/v1/account", headers=me)).json()["free_trainings"] == 0
    listed = (await client.get("/v1/trainings", headers=me)).json()
    assert [t["training_id"] for t in listed] == [sent.json()["training_id"]]


async def test_a_bad_set_is_rejected_per_image_and_never_charged(client):
    me = await account(client)
    long_name = "../" * 20 + "x" * 240 + ".jpg"
    named = [
        *photos.portraits(12),
        ("virus.png", photos.executable()),
        ("group.jpg", photos.two_people()),
        (long_name, photos.truncated_jpeg()),
    ]
    sent = await client.post("/v1/trainings", headers=me, **form(named))
    assert sent.status_code == 202
    training = await settled(client, me, sent.json()["training_id"])
    assert training["status"] == "rejected"
    assert training["reason"].startswith("3 problems to fix")
    by_name = {i["name"]: i for i in training["report"]["images"]}
    assert by_name["virus.png"]["findings"][0]["code"] == "not_an_image"
    assert "one subject per photo" in by_name["group.jpg"]["findings"][-1]["message"]
    [safe_name] = [n for n in by_name if n.startswith("xxx")]
    assert len(safe_name) <= 100 and "/" not in safe_name
    assert all("xxx" not in i["key"] and ".." not in i["key"] for i in by_name.values())
    assert (await client.get("/v1/account", headers=me)).json()["free_trainings"] == 1
    ledger = (await client.get("/v1/ledger", headers=me)).json()["entries"]
    assert [e["kind"] for e in ledger] == ["subscription"]
    again = await client.post("/v1/trainings", headers=me, **form(photos.portraits(15)))
    assert again.status_code == 202  # a rejected training frees its keyword


async def test_no_credits_means_payment_failed(client):
    me = await account(client, plan=None)
    sent = await client.post("/v1/trainings", headers=me, **form(photos.portraits(15)))
    path = f"/v1/trainings/{sent.json()['training_id']}/events"
    async with client.stream("GET", path, headers=me) as stream:  # live, until it ends
        lines = [line async for line in stream.aiter_lines() if line.startswith("data")]
    statuses = [json.loads(line.removeprefix("data: "))["status"] for line in lines]
    assert statuses[-1] == "payment_failed"
    assert statuses == sorted(set(statuses), key=statuses.index)  # each change sent once
    training = await settled(
        client, me, sent.json()["training_id"], ("validating", "awaiting_payment")
    )
    assert training["status"] == "payment_failed"
    assert "1000 credits" in training["reason"]


async def test_keyword_rules(client):
    me = await account(client)
    bad = await client.post(
        "/v1/trainings", headers=me, **form(photos.portraits(15), keyword="My Model")
    )
    assert bad.status_code == 422
    assert "lowercase letters or digits" in bad.json()["detail"]
    common = await client.post(
        "/v1/trainings", headers=me, **form(photos.portraits(15), keyword="dog")
    )
    assert common.status_code == 202
    assert "customdogmodel" in common.json()["warnings"][0]
    taken = await client.post(
        "/v1/trainings", headers=me, **form(photos.portraits(15), keyword="dog")
    )
    assert taken.status_code == 409
    other = await account(client)
    assert (
        await client.post(
            "/v1/trainings", headers=other, **form(photos.portraits(15), keyword="dog")
        )
    ).status_code == 202


async def test_preset_overrides_are_checked_at_once_and_carried_to_the_training(client):
    me = await account(client)
    upload = form(photos.portraits(15), keyword="customrankmodel")
    upload["data"] |= {"rank": "7"}
    bad = await client.post("/v1/trainings", headers=me, **upload)
    assert bad.status_code == 422
    assert bad.json()["detail"].startswith("rank: Input should be 4, 8, 16, 32 or 64")
    upload["data"] |= {"rank": "16", "steps": "lots"}
    bad = await client.post("/v1/trainings", headers=me, **upload)
    assert (bad.status_code, bad.json()["detail"]) == (422, "steps must be a number; got 'lots'")
    upload["data"] |= {"rank": "16", "steps": "500"}  # the keyword was not taken by the 422s
    sent = await client.post("/v1/trainings", headers=me, **upload)
    assert sent.status_code == 202, sent.text
    training = await settled(
        client, me, sent.json()["training_id"], ("validating", "awaiting_payment")
    )
    assert training["status"] == "queued"
    assert training["overrides"] == {"rank": 16, "steps": 500}


@pytest.mark.parametrize(("count", "status"), [(14, 422), (26, 422)])
async def test_the_number_of_images_is_checked_at_once(client, count, status):
    me = await account(client)
    sent = await client.post("/v1/trainings", headers=me, **form(photos.portraits(count)))
    assert sent.status_code == status
    assert f"{count} images sent" in sent.json()["detail"]


async def test_a_file_over_20_mb_is_refused_while_streaming(client):
    me = await account(client)
    huge = [("huge.jpg", b"\xff\xd8\xff" + b"0" * (21 * 1024 * 1024)), *photos.portraits(15)]
    sent = await client.post("/v1/trainings", headers=me, **form(huge))
    assert sent.status_code == 413
    assert "'huge.jpg' is over 20 MB" in sent.json()["detail"]


async def test_idempotency_key(client):
    me = await account(client)
    key = {"Idempotency-Key": "upload-1"}
    first = await client.post("/v1/trainings", headers=me | key, **form(photos.portraits(15)))
    again = await client.post("/v1/trainings", headers=me | key, **form(photos.portraits(15)))
    assert first.json()["training_id"] == again.json()["training_id"]
    changed = await client.post(
        "/v1/trainings", headers=me | key, **form(photos.portraits(15), keyword="otherkeyword")
    )
    assert changed.status_code == 422
    assert "Idempotency-Key" in changed.json()["detail"]


async def test_another_account_cannot_see_a_training(client):
    me, other = await account(client), await account(client)
    sent = await client.post("/v1/trainings", headers=me, **form(photos.portraits(15)))
    training_id = sent.json()["training_id"]
    assert (await client.get(f"/v1/trainings/{training_id}", headers=other)).status_code == 404
    assert (await client.get("/v1/trainings", headers=other)).json() == []
    events = await client.get(f"/v1/trainings/{training_id}/events", headers=other)
    assert events.status_code == 404


async def test_a_bus_failure_after_upload_fails_the_training_and_frees_the_keyword(service_env):
    env = {k.lower(): v for k, v in service_env.items()} | {"aitrain_admin_token": ADMIN}
    gateway = create_gateway(GatewaySettings(**env))
    async with (
        gateway.router.lifespan_context(gateway),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=gateway), base_url="http://gateway", timeout=60
        ) as client,
    ):
        me = await account(client, plan=None)
        publish = gateway.state.gateway.ports.publisher.publish

        async def bus_down(event):
            raise ConnectionError("nats: no servers available")

        gateway.state.gateway.ports.publisher.publish = bus_down
        sent = await client.post("/v1/trainings", headers=me, **form(photos.portraits(15)))
        assert sent.status_code == 503
        assert "nothing was charged" in sent.json()["detail"]
        [training] = (await client.get("/v1/trainings", headers=me)).json()
        assert training["status"] == "failed"
        gateway.state.gateway.ports.publisher.publish = publish
        retry = await client.post("/v1/trainings", headers=me, **form(photos.portraits(15)))
        assert retry.status_code == 202
