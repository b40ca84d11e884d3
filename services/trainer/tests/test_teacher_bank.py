"""Prior preservation from a bank of the base model's answers, computed once: a step then
runs the UNet once (no teacher pass), and the prior is kept about as well as with a live
teacher."""

import dataclasses
import io

import pytest
from PIL import Image
from trainer_scenes import training_set

from aitrain_basemodel import COMMITTED_MODEL
from trainer.domain.plan import Plan
from trainer.engine.base import load_base, pick_device
from trainer.engine.evaluation import Evaluation
from trainer.engine.lora import LoraTraining

PLAN = Plan(60, 8, 1e-3, 4, text_encoder_rank=8, preserve_weight=1.0)


@pytest.fixture(scope="module")
def trained():
    """Per way of preserving: UNet passes per step, and the evaluation after 60 steps."""
    base = load_base(str(COMMITTED_MODEL), pick_device("cpu"))
    items = training_set(count=8)
    images = [Image.open(io.BytesIO(data)) for data, _ in items]
    ways = {
        "none": {"preserve_weight": 0.0},
        "live": {},
        "bank": {"teacher_bank": 64, "prior_batch": 2},
    }
    results = {}
    for name, changes in ways.items():
        training = LoraTraining(
            base, images, [t for _, t in items], dataclasses.replace(PLAN, **changes)
        )
        calls = []
        hook = base.denoiser.register_forward_hook(lambda *_, seen=calls: seen.append(1))
        try:
            training.train_step()
            passes = len(calls)
            for _ in range(PLAN.steps - 1):
                training.train_step()
            hook.remove()
            results[name] = passes, Evaluation(training).evaluate()
        finally:
            hook.remove()
            training.close()
    print({name: (passes, str(score)) for name, (passes, score) in results.items()})
    return results


def test_with_a_bank_a_step_runs_no_teacher_pass(trained):
    assert trained["live"][0] == 2  # the teacher's, then the student's
    assert trained["bank"][0] == 1


def test_a_bank_keeps_the_prior_and_the_subject_is_learnt(trained):
    none, live, bank = (trained[name][1] for name in ("none", "live", "bank"))
    assert bank.drift < none.drift / 2
    assert bank.drift < 2 * live.drift + 1e-4
    assert bank.learned > 0.5 * live.learned
