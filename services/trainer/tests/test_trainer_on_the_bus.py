"""The trainer as it runs: real NATS JetStream, real S3, real MongoDB protocol."""

import asyncio

import nats
import pytest
import torch
from bus_helpers import eventually, running
from diffusers import StableDiffusionPipeline
from pymongo import AsyncMongoClient
from trainer_bus import Trainer
from trainer_scenes import caption, charged

from aitrain_basemodel import COMMITTED_MODEL
from contracts.events import ModelDeleted, TrainingCharged, TrainingCompleted, TrainingFailed
from contracts.events.training import TrainingProgress
from trainer.engine.weights import read_facts
from trainer.main import create_app

pytestmark = pytest.mark.integration


async def ended(service_env, event: TrainingCharged):
    """How a trainer of its own ends the one training `event` pays for."""
    trainer = Trainer(service_env)
    async with running(create_app(trainer.settings)):
        await trainer.client.start()
        try:
            await trainer.client.publish(event)
            return await trainer.outcome(event.training_id)
        finally:
            await trainer.client.stop()


async def test_a_charged_training_becomes_a_lora_that_diffusers_loads(
    service_env, embedded, s3, tmp_path
):
    trainer = Trainer(service_env)
    event = charged(s3, embedded.bucket, "acct-t1", overrides={"steps": 60})
    async with running(create_app(trainer.settings)):
        await trainer.client.start()
        try:
            await trainer.client.publish(event)
            completed = await trainer.outcome(event.training_id)
            await _deliver_again(embedded.nats_url, trainer.settings.topology(), event)
        finally:
            await trainer.client.stop()

    assert isinstance(completed, TrainingCompleted), completed
    assert len(trainer.of(TrainingCompleted, event.training_id)) == 1
    mongo = AsyncMongoClient(embedded.mongo_url)
    job = await mongo[trainer.settings.database("trainer")]["jobs"].find_one(event.training_id)
    await mongo.close()
    assert job["starts"] == 1  # the second delivery re-announced the model, no new training
    assert completed.causation_id == event.event_id and completed.keyword == "zxq"
    assert completed.metrics.steps_per_s > 0 and completed.metrics.resumed_from_step == 0
    quality = completed.quality  # scored at the checkpoint (50) and at the end (60)
    assert [check.step for check in quality.checks] == [50, 60]
    assert quality.best_step in (50, 60) and quality.learned > 0
    progress = trainer.of(TrainingProgress, event.training_id)
    steps = [p.step for p in progress]
    assert steps == sorted(steps) and steps[-1] == 60 and progress[-1].total_steps == 60
    sample = [p.sample_image_key for p in progress if p.sample_image_key]
    assert sample and completed.sample_image_keys == sample[-1:]
    assert s3.get_object(embedded.bucket, sample[-1]).read()[:4] == b"\x89PNG"
    # a checkpoint was written at step 50; the ended job keeps none
    assert not list(s3.list_objects(embedded.bucket, "accounts/acct-t1/trainings/", True))

    weights = s3.get_object(embedded.bucket, completed.weights_key).read()
    assert read_facts(weights)["keyword"] == "zxq"
    kohya = s3.get_object(embedded.bucket, completed.kohya_weights_key).read()  # the same LoRA
    assert read_facts(kohya) == read_facts(weights)  # for ComfyUI (engine/kohya.py)
    pipeline = StableDiffusionPipeline.from_pretrained(COMMITTED_MODEL)
    pipeline.set_progress_bar_config(disable=True)
    before = _draw(pipeline)
    (tmp_path / "lora.safetensors").write_bytes(weights)
    pipeline.load_lora_weights(tmp_path, weight_name="lora.safetensors")
    after = _draw(pipeline)
    assert (before - after).abs().mean() > 0.01


async def test_a_missing_image_fails_the_training_with_a_reason(service_env, embedded, s3):
    event = charged(s3, embedded.bucket, "acct-t2", overrides={"steps": 60})
    s3.remove_object(embedded.bucket, event.spec.images[4].key)
    failed = await ended(service_env, event)
    assert isinstance(failed, TrainingFailed)
    assert "missing" in failed.reason and "upload" in failed.reason


async def test_a_base_not_served_fails_the_training_at_once_saying_which_are(
    service_env, embedded, s3
):
    """A training paid for on a base the catalog has dropped since: failed (so refunded) on
    its first delivery, naming what is served."""
    event = charged(s3, embedded.bucket, "acct-t5", overrides={"steps": 60})
    event = event.model_copy(update={"spec": event.spec.model_copy(update={"base": "sd3"})})
    failed = await ended(service_env, event)
    assert isinstance(failed, TrainingFailed)
    assert failed.reason == "the base model 'sd3' is not served here; use default"


async def test_a_training_that_learned_nothing_fails_so_billing_refunds_it(
    service_env, embedded, s3
):
    """The style preset trains the UNet alone: at a learning rate of 1e-6 for 50 steps its
    adapter barely lowers the error on the photos (`learned` under 2 %, domain/quality.py),
    and the job ends in TrainingFailed (which billing refunds) rather than sell it."""
    event = charged(s3, embedded.bucket, "acct-t6", overrides={"steps": 50, "learning_rate": 1e-6})
    style = event.spec.model_copy(update={"training_type": "style"})
    event = event.model_copy(update={"spec": style})
    failed = await ended(service_env, event)
    assert isinstance(failed, TrainingFailed), failed
    assert failed.reason.startswith("the model learned nothing measurable from these photos")


async def test_deleting_a_model_removes_its_weights_and_samples(service_env, embedded, s3):
    trainer = Trainer(service_env)
    event = charged(s3, embedded.bucket, "acct-t4", overrides={"steps": 50})
    async with running(create_app(trainer.settings)):
        await trainer.client.start()
        try:
            await trainer.client.publish(event)
            completed = await trainer.outcome(event.training_id)
            prefix = completed.weights_key.rsplit("/", 1)[0] + "/"
            stored = [o.object_name for o in s3.list_objects(embedded.bucket, prefix, True)]
            assert completed.weights_key in stored and completed.sample_image_keys[0] in stored
            assert completed.kohya_weights_key in stored
            deleted = ModelDeleted.new(
                account_id="acct-t4",
                model_id=completed.model_id,
                training_id=event.training_id,
                keyword=completed.keyword,
                weights_key=completed.weights_key,
            )
            await trainer.client.publish(deleted)
            await eventually(lambda: not list(s3.list_objects(embedded.bucket, prefix, True)))
        finally:
            await trainer.client.stop()
    # the training images are the dataset's, not the model's: they stay
    assert s3.stat_object(embedded.bucket, event.spec.images[0].key).size > 0


async def _deliver_again(url: str, topology, event: TrainingCharged) -> None:
    """The same TrainingCharged as a new message (as after a lost ack); wait until handled."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    ack = await js.publish(topology.subject(TrainingCharged), event.model_dump_json().encode())

    async def handled() -> bool:
        info = await js.consumer_info(topology.event_stream, "trainer-training-charged")
        return info.ack_floor.stream_seq >= ack.seq

    await eventually(handled, timeout_s=30)
    await asyncio.sleep(0.5)  # time for a second outcome, were one published, to arrive
    await nc.close()


def _draw(pipeline) -> torch.Tensor:
    image = pipeline(
        caption("blue"),
        num_inference_steps=10,
        generator=torch.Generator().manual_seed(3),
        output_type="pt",
    ).images
    return image


async def test_jobs_paid_while_the_trainer_is_busy_run_by_plan_each_under_its_own_ids(
    service_env, embedded, s3
):
    trainer = Trainer(service_env)
    busy = charged(s3, embedded.bucket, "acct-q0", overrides={"steps": 60})
    waiting = [  # paid in this order while `busy` trains
        charged(s3, embedded.bucket, f"acct-q{n}", overrides={"steps": 50}).model_copy(
            update={"plan": plan}
        )
        for n, plan in enumerate(("free", "standard", "unlimited"), start=1)
    ]
    async with running(create_app(trainer.settings)):
        await trainer.client.start()
        try:
            await trainer.client.publish(busy)
            await eventually(lambda: bool(trainer.of(TrainingProgress, busy.training_id)))
            for event in waiting:
                await trainer.client.publish(event)
            for event in waiting:
                await trainer.outcome(event.training_id)
        finally:
            await trainer.client.stop()

    ended = [e.training_id for e in trainer.events if isinstance(e, TrainingCompleted)]
    free, standard, unlimited = (event.training_id for event in waiting)
    assert ended == [busy.training_id, unlimited, standard, free]
    for event in waiting:  # whichever turn ran it, what it said carries its own ids
        [completed] = trainer.of(TrainingCompleted, event.training_id)
        assert (completed.correlation_id, completed.causation_id) == (
            event.correlation_id,
            event.event_id,
        )
        assert completed.account_id == event.account_id
