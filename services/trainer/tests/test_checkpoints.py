"""A job resumed from a checkpoint continues exactly as if it had never stopped."""

import dataclasses
import io

import pytest
import torch
from PIL import Image
from trainer_scenes import training_set

from aitrain_basemodel import COMMITTED_MODEL
from trainer import job
from trainer.domain.pacing import Pacing
from trainer.domain.plan import Plan
from trainer.engine.base import load_base, pick_device
from trainer.engine.lora import LoraTraining
from trainer.engine.weights import checkpoint_file, read_checkpoint


@pytest.mark.parametrize("text_encoder_rank", [0, 8])
def test_resuming_from_a_checkpoint_reproduces_the_uninterrupted_run(text_encoder_rank):
    base = load_base(str(COMMITTED_MODEL), pick_device("cpu"))
    items = training_set(count=6)
    images = [Image.open(io.BytesIO(data)) for data, _ in items]
    captions = [text for _, text in items]
    plan = Plan(20, 4, 1e-3, 2, seed=3, text_encoder_rank=text_encoder_rank)

    def fresh() -> LoraTraining:
        return LoraTraining(base, images, captions, plan)

    run = fresh()
    for _ in range(10):
        run.train_step()
    saved = checkpoint_file(*run.checkpoint(), fingerprint="plan-a")
    for _ in range(5):
        run.train_step()
    uninterrupted = run.adapters()
    run.close()

    assert read_checkpoint(saved, "plan-b") is None  # another plan never resumes from it
    resumed = fresh()
    resumed.restore(*read_checkpoint(saved, "plan-a"))
    assert resumed.step == 10
    for _ in range(5):
        resumed.train_step()
    after = resumed.adapters()
    resumed.close()
    assert after.keys() == uninterrupted.keys()
    for model, state in uninterrupted.items():
        for key, value in state.items():
            torch.testing.assert_close(after[model][key], value, msg=f"{model} {key}")


class Kept:
    """Reports that keep the checkpoints."""

    def __init__(self):
        self.checkpoints: dict[int, bytes] = {}

    def progress(self, *args) -> None: ...

    def checkpoint(self, data: bytes, step: int) -> None:
        self.checkpoints[step] = data

    def stop_requested(self) -> bool:
        return False

    def leaving(self) -> bool:
        return False


def test_a_resumed_job_remembers_the_scores_and_best_adapters_from_before():
    base = load_base(str(COMMITTED_MODEL), pick_device("cpu"))
    items = training_set(count=6)
    images = [Image.open(io.BytesIO(data)) for data, _ in items]
    inputs = job.JobInputs(images, [t for _, t in items], Plan(20, 4, 1e-3, 2, seed=3))
    pacing = Pacing(sample_every_steps=0, checkpoint_every_steps=10)
    kept = Kept()
    whole = job.run(base, inputs, kept, pacing)
    saved = read_checkpoint(kept.checkpoints[10], "")
    resumed = job.run(base, dataclasses.replace(inputs, resume=saved), Kept(), pacing)
    assert [s.step for s in whole.scores] == [10, 20]
    assert resumed.scores == whole.scores  # the step-10 score came back with the checkpoint
    assert resumed.best == whole.best and resumed.lora == whole.lora


class Leaving(Kept):
    """Reports of a process told to stop once `after` steps have run."""

    def __init__(self, after: int):
        super().__init__()
        self.after, self.asked = after, 0

    def leaving(self) -> bool:
        self.asked += 1
        return self.asked > self.after


def test_a_job_its_process_leaves_stores_a_checkpoint_where_it_stopped_and_resumes_there():
    """No checkpoint is due at step 7 (every 10): the hand-over stores one of its own, and the
    job resumed from it ends as the uninterrupted job does."""
    base = load_base(str(COMMITTED_MODEL), pick_device("cpu"))
    items = training_set(count=6)
    images = [Image.open(io.BytesIO(data)) for data, _ in items]
    inputs = job.JobInputs(images, [t for _, t in items], Plan(20, 4, 1e-3, 2, seed=3))
    pacing = Pacing(sample_every_steps=0, checkpoint_every_steps=10)
    whole = job.run(base, inputs, Kept(), pacing)
    leaving = Leaving(after=7)
    with pytest.raises(job.HandedOver, match="at step 7"):
        job.run(base, inputs, leaving, pacing)
    assert list(leaving.checkpoints) == [7]
    saved = read_checkpoint(leaving.checkpoints[7], "")
    resumed = job.run(base, dataclasses.replace(inputs, resume=saved), Kept(), pacing)
    assert resumed.resumed_from_step == 7
    assert resumed.scores == whole.scores and resumed.lora == whole.lora


class Samples(Kept):
    def __init__(self):
        super().__init__()
        self.reported: list[tuple[int, bool]] = []

    def progress(self, step, total, loss, eta, png) -> None:
        self.reported.append((step, png is not None))


def test_a_sample_is_painted_at_its_step_however_seldom_the_job_reports():
    """Reports every hour (say): the samples every 10 steps still come, each in a report."""
    base = load_base(str(COMMITTED_MODEL), pick_device("cpu"))
    items = training_set(count=4)
    images = [Image.open(io.BytesIO(data)) for data, _ in items]
    inputs = job.JobInputs(images, [t for _, t in items], Plan(20, 4, 1e-3, 2, seed=3))
    samples = Samples()
    job.run(base, inputs, samples, Pacing(3600.0, sample_every_steps=10))
    assert samples.reported == [(1, False), (10, True), (20, True)]
