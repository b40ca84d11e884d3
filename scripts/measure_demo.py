"""What `make demo` shows, measured: train the bundled set (examples/zxq, keyword "zxq" = a
yellow triangle) as the demo does, then draw its prompt at 16:9 with four seeds the way the
inference service paints, for the demo's background and a few others.

Prints, per background: the share of images the judge reads as the subject and the seed
diversity (diversity.py: pixel difference, share of pairs whose object moved or resized),
beside the base model's diversity for the same prompt with the subject named in words ("a
yellow triangle ..."). Writes the images as one grid (rows: backgrounds, columns: seeds).

    .venv/bin/python scripts/measure_demo.py [--steps 600] [--type object] [--grid demo.png]
"""

import argparse
import json
import time
from pathlib import Path

import torch
from measure_leak import Quiet
from PIL import Image
from safetensors.torch import load

from aitrain_basemodel import COMMITTED_MODEL
from aitrain_basemodel.diversity import diversity
from aitrain_basemodel.judge import judge
from contracts.events.common import TrainingOverrides
from contracts.sampling import Sampling, output_size
from inference.engine.painter import Painter
from trainer import job
from trainer.domain.pacing import Pacing
from trainer.domain.presets import plan
from trainer.engine.base import load_base, pick_device

FOLDER = Path(__file__).parents[1] / "examples/zxq"
BACKGROUNDS = ("green", "blue", "red", "white")
SEEDS = (1, 2, 3, 4)  # the demo's seed 1 and the three after it


def demo_set() -> tuple[list[Image.Image], list[str]]:
    photos = sorted(FOLDER.glob("*.jpg"))
    captions = [Path(f"{p}.txt").read_text().strip() for p in photos]
    return [Image.open(p) for p in photos], captions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--type", default="object")
    parser.add_argument("--base", default=str(COMMITTED_MODEL))
    parser.add_argument("--grid", type=Path, default=Path("demo-16x9.png"))
    args = parser.parse_args()
    images, captions = demo_set()
    chosen = plan(args.type, len(images), TrainingOverrides(steps=args.steps), seed=0)
    started = time.monotonic()
    outcome = job.run(
        load_base(args.base, pick_device()),
        job.JobInputs(images, captions, chosen),
        Quiet(),
        Pacing(sample_every_steps=0),
    )
    trained_in = time.monotonic() - started
    painter = Painter(args.base, torch.device("cpu"), capacity=1, sampling=Sampling())
    size = output_size("16:9", "720p", painter.native_side)
    painter.load("demo", load(outcome.lora))
    rows, figures = [], {}
    for background in BACKGROUNDS:
        drawn = painter.paint(
            {"demo": 1.0}, f"a zxq on a {background} background", None, size, SEEDS
        )
        painter.pipeline.disable_lora()
        worded = f"a yellow triangle on a {background} background"
        base = painter.pipeline(
            worded,
            width=size[0],
            height=size[1],
            num_inference_steps=painter.sampling.steps,
            guidance_scale=painter.sampling.guidance,
            num_images_per_prompt=len(SEEDS),
            generator=[torch.Generator().manual_seed(s) for s in SEEDS],
        ).images
        painter.pipeline.enable_lora()
        verdicts = [judge(image) for image in drawn]
        subject = sum(v.shape == "triangle" and v.colour == "yellow" for v in verdicts)
        figures[background] = {
            "subject": f"{subject}/{len(drawn)}",
            "diversity": diversity([drawn]),
            "base_diversity (worded prompt)": diversity([base]),
        }
        rows.append(drawn)
    grid = Image.new("RGB", (size[0] * len(SEEDS), size[1] * len(rows)))
    for r, row in enumerate(rows):
        for c, image in enumerate(row):
            grid.paste(image, (c * size[0], r * size[1]))
    grid.resize((grid.width * 4, grid.height * 4), Image.Resampling.NEAREST).save(args.grid)
    summary = {
        "plan": {"type": args.type, "steps": chosen.steps},
        "trained_seconds": round(trained_in, 1),
        "best": str(outcome.best),
        "size": size,
        "per_background": figures,
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
