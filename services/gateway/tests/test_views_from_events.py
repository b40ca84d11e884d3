"""The gateway's views fold facts in any delivery order without going back (real MongoDB
protocol server): late or repeated facts never undo a later status or revive a model."""

import uuid

import pytest
from pymongo import AsyncMongoClient

from contracts.events import (
    CreditsDebited,
    CreditsRefunded,
    GenerationFailed,
    ImageGenerated,
    TrainingCompleted,
)
from contracts.events.common import GenerationSpec
from contracts.events.generation import GeneratedImage
from contracts.events.training import TrainingMetrics
from gateway.adapters.generations import MongoGenerations
from gateway.adapters.models import MongoModels
from gateway.adapters.trainings import MongoTrainings
from gateway.projection import ReadModelHandlers

pytestmark = pytest.mark.integration
ROOT = {"account_id": "acct-v", "correlation_id": "c-1"}
SPEC = GenerationSpec(model_id="mdl-v", weights_key="w", keyword="zxq", prompt="zxq")


@pytest.fixture
async def views(embedded):
    client = AsyncMongoClient(embedded.mongo_url)
    db = client[f"gateway_views_{uuid.uuid4().hex[:10]}"]
    yield ReadModelHandlers(MongoTrainings(db), MongoModels(db), MongoGenerations(db))
    await client.close()


async def test_a_generation_only_moves_forward(views):
    await views.generations.create(
        {"_id": "gen-v", "account_id": "acct-v", "status": "awaiting_payment"}
    )
    debited = CreditsDebited.new(
        **ROOT, generation_id="gen-v", spec=SPEC, credits_debited=5, balance_after=95
    )
    image = GeneratedImage(key="k.png", width=64, height=64, seed=3)
    done = ImageGenerated.new(
        **ROOT, generation_id="gen-v", model_id="mdl-v", images=[image], duration_s=1.0
    )
    for event in (debited, done, debited):  # the debit delivered again after the images
        await views.project(event, None)
    record = await views.generations.get("acct-v", "gen-v")
    assert (record["status"], record["credits_debited"]) == ("completed", 5)
    assert record["images"] == [image.model_dump(mode="json")]

    late_failure = GenerationFailed.new(**ROOT, generation_id="gen-v", reason="x")
    await views.project(late_failure, None)
    assert (await views.generations.get("acct-v", "gen-v"))["status"] == "completed"


async def test_a_failed_generation_shows_its_reason_and_refund(views):
    await views.generations.create(
        {"_id": "gen-f", "account_id": "acct-v", "status": "awaiting_payment"}
    )
    for event in (
        CreditsDebited.new(
            **ROOT, generation_id="gen-f", spec=SPEC, credits_debited=10, balance_after=90
        ),
        GenerationFailed.new(**ROOT, generation_id="gen-f", reason="weights unreadable"),
        CreditsRefunded.new(**ROOT, generation_id="gen-f", credits_refunded=10, balance_after=100),
    ):
        await views.project(event, None)
    record = await views.generations.get("acct-v", "gen-f")
    assert (record["status"], record["reason"]) == ("failed", "weights unreadable")
    assert (bool(record["refunded"]), record["credits_refunded"]) == (True, 10)


async def test_a_deleted_model_stays_deleted_when_its_completion_arrives_again(views):
    completed = TrainingCompleted.new(
        **ROOT,
        training_id="trn-v",
        model_id="mdl-v",
        training_type="object",
        keyword="zxq",
        base_model="tiny",
        weights_key="w",
        sample_image_keys=["s.png"],
        metrics=TrainingMetrics(final_loss=0.1, duration_s=1, steps_per_s=1, peak_memory_mb=1),
    )
    await views.project(completed, None)
    listed = await views.models.list("acct-v", 10)
    assert [(m["_id"], m["keyword"], m["thumbnail_key"]) for m in listed] == [
        ("mdl-v", "zxq", "s.png")
    ]
    await views.models.mark_deleted("mdl-v")
    await views.project(completed, None)  # redelivered
    assert await views.models.list("acct-v", 10) == []
    assert await views.models.get("acct-v", "mdl-v") is None
