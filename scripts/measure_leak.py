"""Measure what training teaches and what it leaks, on more prompts than the test can afford.

Trains the default character preset on the learning test's set (keyword "zxq" = a yellow
triangle), then judges the saved LoRA in a vanilla pipeline: the subject share of zxq prompts,
and the adherence of unrelated ordinary prompts (no keyword) before and after, as paired
per-image differences with a 95 % confidence interval.

    .venv/bin/python scripts/measure_leak.py [--prompts 150] [--seeds 2] [--steps N]
        [--set teacher_bank=256 --set prior_batch=2 ...]   (any Plan field)
"""

import argparse
import dataclasses
import io
import json
import math
import sys
import time
from pathlib import Path

import torch
from diffusers import StableDiffusionPipeline
from PIL import Image
from safetensors.torch import load

sys.path.insert(0, str(Path(__file__).parents[1] / "services/trainer/tests"))
from trainer_scenes import BACKGROUNDS, COLOUR, SHAPE, caption, training_set

from aitrain_basemodel import COMMITTED_MODEL
from aitrain_basemodel.adherence import prompt_set
from aitrain_basemodel.judge import adheres, judge
from contracts.events.common import TrainingOverrides
from trainer import job
from trainer.domain.pacing import Pacing
from trainer.domain.presets import plan
from trainer.engine.base import load_base, pick_device


def drawn(pipeline, prompts: list[str], seeds: list[int], batch: int = 32) -> list:
    """Images of (prompt, seed) pairs, drawn in batches (faster than one by one on a CPU)."""
    side = pipeline.unet.config.sample_size * pipeline.vae_scale_factor
    images = []
    for start in range(0, len(prompts), batch):
        images += pipeline(
            prompts[start : start + batch],
            num_inference_steps=20,
            guidance_scale=4.0,
            height=side,
            width=side,
            generator=[torch.Generator().manual_seed(s) for s in seeds[start : start + batch]],
        ).images
    return images


def verdicts(pipeline, scenes, seeds: int) -> list[dict[str, bool]]:
    pairs = [(scene, seed) for scene in scenes for seed in range(seeds)]
    images = drawn(pipeline, [s.caption() for s, _ in pairs], [seed for _, seed in pairs])
    return [adheres(image, scene) for image, (scene, _) in zip(images, pairs, strict=True)]


def subject_share(pipeline, seeds: int) -> float:
    pairs = [(bg, seed) for bg in BACKGROUNDS for seed in range(seeds)]
    images = drawn(pipeline, [caption(bg) for bg, _ in pairs], [seed for _, seed in pairs])
    judged = [judge(image) for image in images]
    return sum(v.shape == SHAPE and v.colour == COLOUR for v in judged) / len(judged)


def paired_drop(before: list[dict], after: list[dict], key: str) -> dict[str, float]:
    diffs = [int(b[key]) - int(a[key]) for b, a in zip(before, after, strict=True)]
    mean = sum(diffs) / len(diffs)
    sd = math.sqrt(sum((d - mean) ** 2 for d in diffs) / (len(diffs) - 1))
    half = 1.96 * sd / math.sqrt(len(diffs))
    return {"drop_points": round(100 * mean, 1), "ci95": round(100 * half, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prompts", type=int, default=150)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")
    args = parser.parse_args()
    items = training_set()
    images = [Image.open(io.BytesIO(data)) for data, _ in items]
    overrides = TrainingOverrides(steps=args.steps) if args.steps else None
    chosen = plan("character", len(items), overrides, seed=0)
    changes = {field: float(value) for field, value in (s.split("=", 1) for s in args.set)}
    chosen = dataclasses.replace(
        chosen, **{k: type(getattr(chosen, k))(v) for k, v in changes.items()}
    )
    base = load_base(str(COMMITTED_MODEL), pick_device())
    inputs = job.JobInputs(images, [t for _, t in items], chosen)
    started = time.monotonic()
    outcome = job.run(base, inputs, job.Unwatched(), Pacing(sample_every_steps=0))
    job_seconds = time.monotonic() - started
    pipeline = StableDiffusionPipeline.from_pretrained(COMMITTED_MODEL)
    pipeline.set_progress_bar_config(disable=True)
    scenes = prompt_set(args.prompts)
    share_before, before = subject_share(pipeline, 5), verdicts(pipeline, scenes, args.seeds)
    pipeline.load_lora_weights(load(outcome.lora))
    share_after, after = subject_share(pipeline, 5), verdicts(pipeline, scenes, args.seeds)
    print(
        json.dumps(
            {
                "plan": dataclasses.asdict(chosen),
                "job_seconds (training and its evaluation)": round(job_seconds, 1),
                "subject_share": {"base": round(share_before, 3), "trained": round(share_after, 3)},
                "unrelated_images": len(before),
                "unrelated_adherence_drop": {k: paired_drop(before, after, k) for k in before[0]},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
