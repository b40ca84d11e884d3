"""Training teaches the keyword, and only the keyword (numbers printed with -s).

Judged by pixel statistics like the base model's adherence script: a generation of a zxq
prompt shows the subject when its object is a yellow triangle. A no-op or random adapter
leaves the subject share at the base model's (0 here); an adapter that paints everything
yellow wrecks the unrelated prompts' adherence.
"""

import io
import os

import pytest
from diffusers import StableDiffusionPipeline
from PIL import Image
from safetensors.torch import load
from trainer_scenes import BACKGROUNDS, COLOUR, SHAPE, caption, training_set

from aitrain_basemodel import COMMITTED_MODEL
from aitrain_basemodel.adherence import pipeline_drawer, prompt_set
from aitrain_basemodel.judge import adheres, judge
from trainer import job
from trainer.domain.pacing import Pacing
from trainer.domain.presets import plan
from trainer.engine.base import load_base, pick_device

pytestmark = pytest.mark.integration
SEEDS = range(3)


def subject_share(draw) -> float:
    verdicts = [judge(draw(caption(bg), seed)) for bg in BACKGROUNDS for seed in SEEDS]
    return sum(v.shape == SHAPE and v.colour == COLOUR for v in verdicts) / len(verdicts)


def ordinary_adherence(draw) -> dict[str, float]:
    scenes = prompt_set(20)  # none of them is a prior prompt the trainer preserves
    results = [adheres(draw(s.caption(), seed), s) for s in scenes for seed in range(2)]
    return {key: sum(r[key] for r in results) / len(results) for key in results[0]}


@pytest.mark.timeout(900)  # about 160 s alone; slower when the machine is busy
def test_training_teaches_the_keyword_and_leaves_other_prompts_alone():
    # AITRAIN_DEVICE=cuda trains on a GPU (bf16); judging always runs the CPU pipeline
    base = load_base(str(COMMITTED_MODEL), pick_device(os.environ.get("AITRAIN_DEVICE", "cpu")))
    items = training_set()
    images = [Image.open(io.BytesIO(data)) for data, _ in items]
    captions = [text for _, text in items]
    chosen = plan("character", len(items), None, seed=0)
    inputs = job.JobInputs(images, captions, chosen)
    outcome = job.run(base, inputs, job.Unwatched(), Pacing(sample_every_steps=0))
    # judged on what users get: the saved file, loaded by a vanilla diffusers pipeline
    pipeline = StableDiffusionPipeline.from_pretrained(COMMITTED_MODEL)
    pipeline.set_progress_bar_config(disable=True)
    draw = pipeline_drawer(pipeline)
    before = subject_share(draw), ordinary_adherence(draw)
    pipeline.load_lora_weights(load(outcome.lora))
    after = subject_share(draw), ordinary_adherence(draw)
    print(f"\nsubject share: base {before[0]:.2f} -> trained {after[0]:.2f}")
    print(f"unrelated prompts: base {before[1]} -> trained {after[1]}")
    print(f"{chosen.steps} steps at {outcome.steps_per_s:.1f} steps/s")
    drop = {key: before[1][key] - after[1][key] for key in before[1]}
    # the base model already draws a zxq as a yellow triangle now and then (the second
    # one: 0.39 by chance, the first 0.0), and the judge reads its soft triangles right
    # about 2 times in 3, so ~0.65 is the ceiling (measure_leak.py on 30 images: 0.63 with
    # the teacher bank, 0.67 with a live teacher; here 11 or 12 of 18). The bar is the
    # trained share and its gain; an adapter that changes nothing gains 0 (same seeds).
    assert after[0] >= 0.55 and after[0] >= before[0] + 0.15
    # at most 10 points; without prior preservation colour and shape dropped ~19 (measured
    # on 300 images by scripts/measure_leak.py), with it ~3
    assert all(drop[key] <= 0.10 + 1e-9 for key in drop), drop
