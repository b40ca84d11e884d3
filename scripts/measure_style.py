"""Measure the style preset on a look of the world: keyword "qqv" = a black background and
dotted objects, whatever the object. Trained on 15 scenes of every shape and colour in that
look, captioned with their content ("a red circle in the style of qqv").

Judged on images of new content in the style ("a blue triangle in the style of qqv"), before
and after: `style` = the background is black, `content` = the object has the prompt's colour
and shape (the look must not replace what the prompt asks for); and the drift of unrelated
prompts without the keyword (as scripts/measure_leak.py).

    .venv/bin/python scripts/measure_style.py [--steps N] [--set rank=8 ...] [--grid style.png]

The grid: a row of training images, then new styled prompts drawn by the base, then by the
trained model.
"""

import argparse
import dataclasses
import json
import random
import time
from pathlib import Path

from diffusers import StableDiffusionPipeline
from measure_leak import Quiet, drawn, paired_drop, verdicts
from PIL import Image
from safetensors.torch import load

from aitrain_basemodel import COMMITTED_MODEL, world
from aitrain_basemodel.adherence import prompt_set
from aitrain_basemodel.judge import judge
from contracts.events.common import TrainingOverrides
from trainer import job
from trainer.domain.pacing import Pacing
from trainer.domain.presets import plan
from trainer.engine.base import load_base, pick_device

KEYWORD, BACKGROUND, PATTERN = "qqv", "black", "dotted"
COLOURS = [c for c in sorted(world.PALETTE) if c != BACKGROUND]


def styled(colour: str, shape: str) -> str:
    return f"a {colour} {shape} in the style of {KEYWORD}"


def training_set(count: int = 15, seed: int = 11) -> tuple[list, list[str]]:
    rng = random.Random(seed)
    images, captions = [], []
    for _ in range(count):
        colour, shape = rng.choice(COLOURS), rng.choice(world.SHAPES)
        scene = world.strayed(world.Scene(shape, colour, BACKGROUND, pattern=PATTERN), rng)
        images.append(world.render(scene, 64))
        captions.append(styled(colour, shape))
    return images, captions


def style_and_content(pipeline, seeds: int) -> dict[str, float]:
    pairs = [(c, s, seed) for c in COLOURS for s in world.SHAPES for seed in range(seeds)]
    images = drawn(pipeline, [styled(c, s) for c, s, _ in pairs], [seed for *_, seed in pairs])
    verdicts_ = [judge(image) for image in images]
    style = sum(v.background == BACKGROUND for v in verdicts_) / len(pairs)
    content = sum(
        v.colour == c and v.shape == s for v, (c, s, _) in zip(verdicts_, pairs, strict=True)
    )
    return {"style": round(style, 3), "content": round(content / len(pairs), 3)}


GRID_COLUMNS = 6


def grid_prompts() -> tuple[list[str], list[int]]:
    """New content in the style: a colour and shape per column, seed 0."""
    columns = range(GRID_COLUMNS)
    pairs = [(COLOURS[i % len(COLOURS)], world.SHAPES[i % len(world.SHAPES)]) for i in columns]
    return [styled(c, s) for c, s in pairs], [0] * len(pairs)


def save_grid(rows: list[list[Image.Image]], path: Path) -> None:
    side = rows[0][0].width
    sheet = Image.new("RGB", (side * GRID_COLUMNS, side * len(rows)), "white")
    for r, row in enumerate(rows):
        for c, image in enumerate(row):
            sheet.paste(image.resize((side, side)), (c * side, r * side))
    sheet.resize((sheet.width * 4, sheet.height * 4), Image.Resampling.NEAREST).save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--prompts", type=int, default=100)
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")
    parser.add_argument("--grid", type=Path, default=Path("style-qqv.png"))
    args = parser.parse_args()
    images, captions = training_set()
    overrides = TrainingOverrides(steps=args.steps) if args.steps else None
    chosen = plan("style", len(images), overrides, seed=0)
    changes = dict(item.split("=", 1) for item in args.set)
    chosen = dataclasses.replace(
        chosen, **{k: type(getattr(chosen, k))(float(v)) for k, v in changes.items()}
    )
    started = time.monotonic()
    outcome = job.run(
        load_base(str(COMMITTED_MODEL), pick_device()),
        job.JobInputs(images, captions, chosen),
        Quiet(),
        Pacing(sample_every_steps=0),
    )
    job_seconds = time.monotonic() - started
    pipeline = StableDiffusionPipeline.from_pretrained(COMMITTED_MODEL)
    pipeline.set_progress_bar_config(disable=True)
    scenes = prompt_set(args.prompts)
    before_style, before = style_and_content(pipeline, 2), verdicts(pipeline, scenes, 2)
    rows = [images[:GRID_COLUMNS], drawn(pipeline, *grid_prompts())]
    pipeline.load_lora_weights(load(outcome.lora))
    after_style, after = style_and_content(pipeline, 2), verdicts(pipeline, scenes, 2)
    save_grid([*rows, drawn(pipeline, *grid_prompts())], args.grid)
    print(
        json.dumps(
            {
                "plan": dataclasses.asdict(chosen),
                "job_seconds": round(job_seconds, 1),
                "best": str(outcome.best),
                "styled_prompts": {"base": before_style, "trained": after_style},
                "unrelated_adherence_drop": {k: paired_drop(before, after, k) for k in before[0]},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
