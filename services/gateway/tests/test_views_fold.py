"""The views fold facts in any delivery order without going back, on the fake stores and on
MongoDB: late or repeated facts never undo a later status or revive a model; a training that
ends without a model, or whose model is deleted, frees its keyword."""

from gateway_records import ROOT, completed, generation, training

from contracts.events import (
    CreditsDebited,
    CreditsRefunded,
    DatasetRejected,
    GenerationFailed,
    ImageGenerated,
    ModelDeleted,
)
from contracts.events.common import DatasetReport, GenerationSpec
from contracts.events.generation import GeneratedImage, WithheldImage
from contracts.events.training import QualityCheck, TrainingQuality
from contracts.safety import FLAGGED
from gateway.api.rendering import generation_view, model_view
from gateway.app.outbox import outgoing
from gateway.app.views import Views
from gateway.domain.statuses import GenerationStatus, TrainingStatus
from gateway.fakes import FakeLinks, MemoryViewChanges

SPEC = GenerationSpec(model_id="mdl-1", weights_key="w", keyword="zxq", prompt="zxq")


def views_of(stores) -> Views:
    changes = MemoryViewChanges()
    return Views(stores.trainings, stores.models, stores.generations, stores.keywords, changes)


async def test_a_generation_only_moves_forward(stores):
    views = views_of(stores)
    await stores.generations.create(generation(), outgoing())
    debited = CreditsDebited.new(
        **ROOT, generation_id="gen-1", spec=SPEC, credits_debited=5, balance_after=95
    )
    image = GeneratedImage(key="k.png", width=64, height=64, seed=3)
    done = ImageGenerated.new(
        **ROOT, generation_id="gen-1", model_id="mdl-1", images=[image], duration_s=1.0
    )
    for event in (debited, done, debited):  # the debit delivered again after the images
        await views.fold(event)
    record = await stores.generations.get("acct-v", "gen-1")
    assert (record.status, record.credits_debited) == (GenerationStatus.COMPLETED, 5)
    assert record.images == [image.model_dump(mode="json")]
    await views.fold(GenerationFailed.new(**ROOT, generation_id="gen-1", reason="x"))
    assert (await stores.generations.get("acct-v", "gen-1")).status is GenerationStatus.COMPLETED


async def test_a_failed_generation_shows_its_reason_and_refund(stores):
    views = views_of(stores)
    await stores.generations.create(generation(), outgoing())
    for event in (
        CreditsDebited.new(
            **ROOT, generation_id="gen-1", spec=SPEC, credits_debited=10, balance_after=90
        ),
        GenerationFailed.new(**ROOT, generation_id="gen-1", reason="weights unreadable"),
        CreditsRefunded.new(**ROOT, generation_id="gen-1", credits_refunded=10, balance_after=100),
    ):
        await views.fold(event)
    record = await stores.generations.get("acct-v", "gen-1")
    assert (record.status, record.reason) == (GenerationStatus.FAILED, "weights unreadable")
    assert (record.refunded, record.credits_refunded) == (True, 10)


async def test_a_generation_shows_its_withheld_images_and_their_refund(stores):
    views = views_of(stores)
    await stores.generations.create(generation(), outgoing())
    shown = GeneratedImage(key="k.png", width=64, height=64, seed=3)
    stopped = WithheldImage(seed=4, reason=FLAGGED)
    for event in (
        CreditsDebited.new(
            **ROOT, generation_id="gen-1", spec=SPEC, credits_debited=10, balance_after=90
        ),
        ImageGenerated.new(
            **ROOT,
            generation_id="gen-1",
            model_id="mdl-1",
            images=[shown],
            withheld=[stopped],
            duration_s=1.0,
        ),
        CreditsRefunded.new(
            **ROOT, generation_id="gen-1", credits_refunded=5, balance_after=95, cause="withheld"
        ),
    ):
        await views.fold(event)
    record = await stores.generations.get("acct-v", "gen-1")
    view = generation_view(record, FakeLinks())
    assert view["status"] == "completed" and [i["seed"] for i in view["images"]] == [3]
    assert view["withheld"] == [{"seed": 4, "reason": FLAGGED}]
    assert (view["refunded"], view["credits_refunded"]) == (True, 5)


async def test_a_deleted_model_stays_deleted_when_its_completion_arrives_again(stores):
    views = views_of(stores)
    await stores.trainings.create(training(), outgoing())
    await views.fold(completed())
    listed = await stores.models.list("acct-v", 10)
    assert [(m.model_id, m.keyword, m.thumbnail_key) for m in listed] == [("mdl-1", "zxq", "s.png")]
    assert (await stores.trainings.get("acct-v", "trn-1")).model_id == "mdl-1"
    await stores.models.delete("mdl-1", outgoing())
    await views.fold(completed())  # redelivered
    assert await stores.models.list("acct-v", 10) == []


async def test_a_model_keeps_the_quality_its_trainer_measured(stores):
    check = QualityCheck(step=300, learned=0.31, drift=0.004)
    quality = TrainingQuality(
        learned=0.31,
        drift=0.004,
        learned_verdict="strong",
        drift_verdict="low",
        best_step=300,
        checks=[check],
    )
    await stores.trainings.create(training(), outgoing())
    await views_of(stores).fold(completed().model_copy(update={"quality": quality}))
    model = await stores.models.get("acct-v", "mdl-1")
    assert model.quality == quality.model_dump(mode="json")
    shown = model_view([model], FakeLinks())["quality"]
    assert shown == {
        "learned": 0.31,
        "learned_verdict": "strong",
        "drift": 0.004,
        "drift_verdict": "low",
    }


async def test_a_rejected_training_frees_its_keyword(stores):
    await stores.keywords.reserve("acct-v", "zxq", "trn-1")
    await stores.trainings.create(training(), outgoing())
    rejected = DatasetRejected.new(
        **ROOT, training_id="trn-1", dataset_id="ds-1", reason="3 problems", report=DatasetReport()
    )
    await views_of(stores).fold(rejected)
    assert (await stores.trainings.get("acct-v", "trn-1")).status is TrainingStatus.REJECTED
    await stores.keywords.reserve("acct-v", "zxq", "trn-2")  # free again


async def test_model_deleted_from_the_bus_finishes_what_the_request_began(stores):
    """The gateway died after saving the deletion: its own event, relayed, frees the keyword."""
    await stores.keywords.reserve("acct-v", "zxq", "trn-1")
    await stores.trainings.create(training(), outgoing())
    deleted = ModelDeleted.new(
        **ROOT, model_id="mdl-1", training_id="trn-1", keyword="zxq", weights_key="w"
    )
    await views_of(stores).fold(deleted)
    await views_of(stores).fold(deleted)  # and again: no harm
    assert (await stores.trainings.get("acct-v", "trn-1")).model_deleted is True
    await stores.keywords.reserve("acct-v", "zxq", "trn-2")


async def test_a_model_keeps_its_kohya_file_and_an_older_one_has_none(stores):
    await stores.trainings.create(training(), outgoing())
    await stores.trainings.create(training("trn-2", keyword="zxqold"), outgoing())
    kohya = "accounts/acct-v/models/mdl-1/lora.kohya.safetensors"
    views = views_of(stores)
    await views.fold(completed().model_copy(update={"kohya_weights_key": kohya}))
    await views.fold(completed("trn-2", "mdl-2"))  # from a trainer that wrote no kohya file
    assert (await stores.models.get("acct-v", "mdl-1")).kohya_weights_key == kohya
    assert (await stores.models.get("acct-v", "mdl-2")).kohya_weights_key is None
