"""Does the evaluation's `learned` tell a real adapter from a useless one? Trains the
character preset on the learning test's set (keyword "zxq" = a yellow triangle) as it is,
with the UNet at a learning rate of 1e-6, with both adapters at 1e-6, and with the
text-encoder adapter off; prints each run's best `learned` and drift beside the share of
generations the judge finds the subject in (the base model's share first). The thresholds
of services/trainer/src/trainer/domain/quality.py come from here.

    .venv/bin/python scripts/measure_learned.py [--seeds 4]
"""

import argparse
import dataclasses
import io
import sys
from pathlib import Path

import torch
from diffusers import StableDiffusionPipeline
from PIL import Image
from safetensors.torch import load

sys.path.insert(0, str(Path(__file__).parents[1] / "services/trainer/tests"))
from trainer_scenes import BACKGROUNDS, COLOUR, SHAPE, caption, training_set

from aitrain_basemodel import COMMITTED_MODEL
from aitrain_basemodel.adherence import pipeline_drawer
from aitrain_basemodel.judge import judge
from trainer import job
from trainer.domain.pacing import Pacing
from trainer.domain.presets import plan
from trainer.engine.base import load_base


def subject_share(lora: bytes | None, seeds: int) -> float:
    pipeline = StableDiffusionPipeline.from_pretrained(COMMITTED_MODEL)
    pipeline.set_progress_bar_config(disable=True)
    if lora is not None:
        pipeline.load_lora_weights(load(lora))
    draw = pipeline_drawer(pipeline)
    verdicts = [judge(draw(caption(bg), seed)) for bg in BACKGROUNDS for seed in range(seeds)]
    return sum(v.shape == SHAPE and v.colour == COLOUR for v in verdicts) / len(verdicts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=4, help="images per background")
    args = parser.parse_args()
    base = load_base(str(COMMITTED_MODEL), torch.device("cpu"))
    items = training_set()
    images = [Image.open(io.BytesIO(data)) for data, _ in items]
    captions = [text for _, text in items]
    preset = plan("character", len(items), None, seed=0)
    runs = {
        "preset": preset,
        "UNet at 1e-6": dataclasses.replace(preset, learning_rate=1e-6),
        "both at 1e-6": dataclasses.replace(
            preset, learning_rate=1e-6, text_encoder_learning_rate=1e-6
        ),
        "UNet at 1e-6, no text-encoder adapter": dataclasses.replace(
            preset, learning_rate=1e-6, text_encoder_rank=0
        ),
    }
    print(f"base model: subject in {subject_share(None, args.seeds):.0%} of images", flush=True)
    for name, chosen in runs.items():
        outcome = job.run(
            base,
            job.JobInputs(images, captions, chosen),
            job.Unwatched(),
            Pacing(sample_every_steps=0),
        )
        best, share = outcome.best, subject_share(outcome.lora, args.seeds)
        print(
            f"{name}: learned {best.learned:.3f} (step {best.step}), drift {best.drift:.4f}, "
            f"subject in {share:.0%} of images",
            flush=True,
        )


if __name__ == "__main__":
    main()
