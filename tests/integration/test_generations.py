"""Generating with a trained model over HTTP, with billing, inference and the trainer running
for real: the keyword switcher, prices, presigned images, reproducibility, refusals,
refunds and deleting a model."""

import io
import json
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
import trainer_scenes as scenes
from bus_helpers import eventually, running
from inference_loras import a_lora
from PIL import Image
from pymongo import AsyncMongoClient

from aitrain_local import servers
from billing.config import Settings as BillingSettings
from billing.main import create_app as create_billing
from contracts.bus import EventBus, connect_bus
from contracts.events import TrainingCharged, TrainingCompleted
from contracts.events.training import TrainingMetrics
from gateway.adapters.mongo_views import MongoTrainings
from gateway.app.outbox import outgoing
from gateway.config import Settings as GatewaySettings
from gateway.domain.records import Training
from gateway.domain.statuses import TrainingStatus
from gateway.main import create_app as create_gateway
from inference.config import Settings as InferenceSettings
from inference.main import create_app as create_inference
from trainer.config import Settings as TrainerSettings
from trainer.main import create_app as create_trainer

pytestmark = pytest.mark.integration
ADMIN = "test-admin-token-generations"
ENDED = ("completed", "failed", "payment_failed")


@dataclass
class Platform:
    http: httpx.AsyncClient
    bus: EventBus  # stands in for services that are not running here
    s3: object
    bucket: str
    gateway_db: object  # to write the state another request would have left
    gateway: object  # the app, to take its bus away

    async def account(self, credits: int = 0) -> tuple[str, dict[str, str]]:
        made = await self.http.post("/v1/accounts", headers=bearer(ADMIN))
        account_id = made.json()["account_id"]
        if credits:
            added = await self.http.post(
                f"/v1/accounts/{account_id}/credits",
                json={"credits": credits, "reason": "test"},
                headers=bearer(ADMIN),
            )
            assert added.status_code == 200, added.text
        return account_id, bearer(made.json()["api_key"])

    async def model(self, account_id: str, me, weights: bytes, keyword: str = "zxq") -> str:
        """A model as the trainer announces one, with these weights (no training run)."""
        model_id = f"mdl-{uuid.uuid4().hex[:8]}"
        key = f"accounts/{account_id}/models/{model_id}/lora.safetensors"
        self.s3.put_object(self.bucket, key, io.BytesIO(weights), len(weights))
        await self.bus.publish(
            TrainingCompleted.new(
                account_id=account_id,
                correlation_id="test",
                training_id=f"trn-{model_id}",
                model_id=model_id,
                training_type="object",
                keyword=keyword,
                base_model="tiny",
                weights_key=key,
                metrics=TrainingMetrics(
                    final_loss=0.1, duration_s=1, steps_per_s=1, peak_memory_mb=1
                ),
            )
        )
        await listed(self.http, me, model_id)
        return model_id

    async def generation(self, me, **body) -> dict:
        sent = await self.http.post("/v1/generations", json=body, headers=me)
        assert sent.status_code == 202, sent.text
        return await self.settled(me, sent.json()["generation_id"])

    async def settled(self, me, generation_id: str) -> dict:
        state = {}

        async def ended() -> bool:
            got = await self.http.get(f"/v1/generations/{generation_id}", headers=me)
            state.update(got.json())
            return state["status"] in ENDED and (state["status"] != "failed" or state["refunded"])

        await eventually(ended, timeout_s=120)
        return state

    async def followed(self, me, path: str) -> list[dict]:
        """The views a server-sent event stream sends, until it ends."""
        async with self.http.stream("GET", path, headers=me) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = [line async for line in stream.aiter_lines()]
        return [
            json.loads(line.removeprefix("data: ")) for line in lines if line.startswith("data")
        ]

    async def ledger(self, me) -> list[dict]:
        return (await self.http.get("/v1/ledger", headers=me)).json()["entries"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def listed(http, me, model_id: str | None = None) -> dict:
    """The model once the account's model list shows it (None: the first one listed)."""
    found: dict[str, dict] = {}

    async def shown() -> bool:
        found.update({m["model_id"]: m for m in (await http.get("/v1/models", headers=me)).json()})
        return model_id in found if model_id else bool(found)

    await eventually(shown, timeout_s=300)
    return found[model_id] if model_id else next(iter(found.values()))


async def download(url: str) -> bytes:
    async with httpx.AsyncClient() as outside:  # a real HTTP GET of the S3 server
        got = await outside.get(url)
    assert got.status_code == 200, got.text
    return got.content


@asynccontextmanager
async def platform(service_env, embedded):
    service_env = service_env | {"TRAINER_SAMPLE_EVERY_STEPS": "25"}
    env = {k.lower(): v for k, v in service_env.items()} | {"aitrain_admin_token": ADMIN}
    settings = GatewaySettings(**env)
    gateway = create_gateway(settings)
    bus = connect_bus("stand-in", settings.nats_url, settings.topology())
    bus.produces(TrainingCompleted, TrainingCharged)
    async with (
        running(create_billing(BillingSettings(**env)), create_inference(InferenceSettings(**env))),
        # after inference: two models loading at once in one process trip transformers'
        # process-wide meta-device loading (each service is a process of its own when deployed)
        running(create_trainer(TrainerSettings(**env))),
        gateway.router.lifespan_context(gateway),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=gateway), base_url="http://gateway", timeout=60
        ) as http,
    ):
        await bus.start()
        mongo = AsyncMongoClient(settings.mongo_url)
        try:
            s3 = servers.s3_client(embedded.s3_endpoint, embedded.s3)
            db = mongo[settings.database("gateway")]
            yield Platform(http, bus, s3, embedded.bucket, db, gateway)
        finally:
            await bus.stop()
            await mongo.close()


@pytest.fixture
async def world(service_env, embedded):
    async with platform(service_env, embedded) as world:
        yield world


async def test_a_trained_model_generates_paid_reproducible_images(world):
    account_id, me = await world.account(credits=100)
    training = scenes.charged(world.s3, world.bucket, account_id, overrides={"steps": 50})
    await world.bus.publish(training)
    model = await listed(world.http, me)  # the trainer's TrainingCompleted made it ready
    assert (model["keyword"], model["training_id"]) == (scenes.KEYWORD, training.training_id)
    thumbnail = Image.open(io.BytesIO(await download(model["thumbnail_url"])))
    assert thumbnail.size == (64, 64)  # the last training sample, at the native size

    ask = {"model_id": model["model_id"], "prompt": "a zxq on a blue background"}
    first = await world.generation(me, **ask, aspect_ratio="16:9", num_outputs=2, seed=5)
    assert first["status"] == "completed", first
    assert first["credits"] == 10
    assert [(i["width"], i["height"], i["seed"]) for i in first["images"]] == [
        (88, 48, 5),
        (88, 48, 6),
    ]
    pngs = [await download(image["url"]) for image in first["images"]]
    assert {Image.open(io.BytesIO(png)).size for png in pngs} == {(88, 48)}  # 16:9, ±1 px

    again = await world.generation(me, **ask, aspect_ratio="16:9", num_outputs=2, seed=5)
    assert [await download(image["url"]) for image in again["images"]] == pngs
    other = await world.generation(me, **ask, aspect_ratio="16:9", seed=77)
    assert await download(other["images"][0]["url"]) != pngs[0]

    debits = [e for e in await world.ledger(me) if e["kind"] == "generation_debit"]
    assert [e["amount"] for e in debits] == [-5, -10, -10]  # newest first: 5 credits an image
    assert (await world.http.get("/v1/account", headers=me)).json()["credits"] == 75


async def test_requests_that_cannot_run_are_refused_with_what_to_fix(world):
    account_id, me = await world.account(credits=100)
    model_id = await world.model(account_id, me, a_lora(), keyword="zxq")
    ok = {"model_id": model_id, "prompt": "a zxq on a red background"}

    async def refused(body, headers=me) -> httpx.Response:
        return await world.http.post("/v1/generations", json=body, headers=headers)

    no_keyword = await refused(ok | {"prompt": "a triangle on a red background"})
    assert no_keyword.status_code == 422
    assert "keyword 'zxq'" in no_keyword.json()["detail"]
    inside_a_word = await refused(ok | {"prompt": "a zxqz on a red background"})
    assert inside_a_word.status_code == 422
    for bad in ({"aspect_ratio": "5:4"}, {"num_outputs": 5}, {"resolution": "4k"}, {"x": 1}):
        answer = await refused(ok | bad)
        assert answer.status_code == 422, bad
        assert next(iter(bad)) in str(answer.json()["detail"])
    assert (await refused(ok | {"model_id": "mdl-unknown"})).status_code == 404

    _, stranger = await world.account(credits=100)
    assert (await refused(ok, headers=stranger)).status_code == 404
    assert (await world.http.get(f"/v1/models/{model_id}", headers=stranger)).status_code == 404

    # a training that has not finished has no model yet (written as the upload would)
    now = datetime.now(UTC)
    running_training = Training(
        "trn-running", account_id, "ds-1", "object", "zxqq", TrainingStatus.TRAINING, now, now
    )
    await MongoTrainings(world.gateway_db).create(running_training, outgoing())
    busy = await refused(ok | {"model_id": "trn-running"})
    assert busy.status_code == 409
    assert "training" in busy.json()["detail"]

    assert not [e for e in await world.ledger(me) if e["kind"] == "generation_debit"]


async def test_an_idempotency_key_makes_a_retried_request_one_generation(world):
    account_id, me = await world.account(credits=100)
    model_id = await world.model(account_id, me, a_lora())
    body = {"model_id": model_id, "prompt": "zxq", "num_outputs": 3}
    keyed = me | {"Idempotency-Key": "order-17"}
    answers = [await world.http.post("/v1/generations", json=body, headers=keyed) for _ in "ab"]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].json()["generation_id"] == answers[1].json()["generation_id"]
    done = await world.settled(me, answers[0].json()["generation_id"])
    assert done["status"] == "completed" and len(done["images"]) == 3
    generation_id = answers[0].json()["generation_id"]
    updates = await world.followed(me, f"/v1/generations/{generation_id}/events")
    assert updates[-1]["status"] == "completed" and len(updates[-1]["images"]) == 3
    changed = await world.http.post("/v1/generations", json=body | {"seed": 1}, headers=keyed)
    assert changed.status_code == 422
    debits = [e for e in await world.ledger(me) if e["kind"] == "generation_debit"]
    assert [e["amount"] for e in debits] == [-15]


async def test_not_enough_credits_means_no_images_and_no_debit(world):
    account_id, me = await world.account(credits=9)
    model_id = await world.model(account_id, me, a_lora())
    sent = await world.http.post(
        "/v1/generations",
        json={"model_id": model_id, "prompt": "zxq", "num_outputs": 2},
        headers=me,
    )
    updates = await world.followed(me, f"/v1/generations/{sent.json()['generation_id']}/events")
    assert [u["status"] for u in updates][-1] == "payment_failed"  # live, until it ends
    poor = await world.settled(me, sent.json()["generation_id"])
    assert poor["status"] == "payment_failed"
    assert "credits" in poor["reason"]
    assert poor["images"] == []
    assert (await world.http.get("/v1/account", headers=me)).json()["credits"] == 9


async def test_an_inference_failure_is_refunded_exactly_once(world):
    account_id, me = await world.account(credits=100)
    model_id = await world.model(account_id, me, b"these are not LoRA weights")
    failed = await world.generation(me, model_id=model_id, prompt="zxq", num_outputs=2)
    assert failed["status"] == "failed"
    assert "weights" in failed["reason"] and failed["refunded"] is True
    kinds = [(e["kind"], e["amount"]) for e in await world.ledger(me)]
    assert kinds.count(("generation_refund", 10)) == 1
    assert (await world.http.get("/v1/account", headers=me)).json()["credits"] == 100


async def test_a_deleted_model_is_gone_without_a_refund(world):
    account_id, me = await world.account(credits=100)
    model_id = await world.model(account_id, me, a_lora())
    used = await world.generation(me, model_id=model_id, prompt="zxq")
    assert used["status"] == "completed"

    deleted = await world.http.delete(f"/v1/models/{model_id}", headers=me)
    assert deleted.status_code == 200, deleted.text
    assert model_id not in [
        m["model_id"] for m in (await world.http.get("/v1/models", headers=me)).json()
    ]
    assert (await world.http.get(f"/v1/models/{model_id}", headers=me)).status_code == 404
    later = await world.http.post(
        "/v1/generations", json={"model_id": model_id, "prompt": "zxq"}, headers=me
    )
    assert later.status_code == 404
    assert (await world.http.delete(f"/v1/models/{model_id}", headers=me)).status_code == 404

    weights = f"accounts/{account_id}/models/{model_id}/lora.safetensors"

    def weights_gone() -> bool:  # the trainer drops the weights of a deleted model
        return not list(world.s3.list_objects(world.bucket, prefix=weights))

    await eventually(weights_gone, timeout_s=30)
    kinds = [e["kind"] for e in await world.ledger(me)]
    assert "generation_refund" not in kinds and kinds.count("generation_debit") == 1


async def test_a_request_the_bus_did_not_take_is_sent_by_its_retry(world):
    account_id, me = await world.account(credits=100)
    model_id = await world.model(account_id, me, a_lora())
    bus = world.gateway.state.gateway.ports.publisher
    publish = bus.publish

    async def bus_down(event):
        raise ConnectionError("nats: no servers available")

    body, keyed = {"model_id": model_id, "prompt": "zxq"}, me | {"Idempotency-Key": "k-503"}
    bus.publish = bus_down
    refused = await world.http.post("/v1/generations", json=body, headers=keyed)
    assert refused.status_code == 503
    assert "nothing was charged" in refused.json()["detail"]
    bus.publish = publish
    retried = await world.http.post("/v1/generations", json=body, headers=keyed)
    assert retried.status_code == 202
    done = await world.settled(me, retried.json()["generation_id"])
    assert (done["status"], done["reason"]) == ("completed", None)
    debits = [e for e in await world.ledger(me) if e["kind"] == "generation_debit"]
    assert [e["amount"] for e in debits] == [-5]
