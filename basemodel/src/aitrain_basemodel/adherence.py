"""How often the model draws what the prompt says, judged by pixel statistics.

    python -m aitrain_basemodel.adherence MODEL_DIR [--prompts 40] [--seeds 3] [--grids OUT]

Prints the share of images whose background colour, object colour and shape match the
prompt, over a fixed prompt set and seeds; saves sample grids when asked.
"""

import argparse
import json
import random
from collections.abc import Callable
from pathlib import Path

import torch
from PIL import Image

from aitrain_basemodel import world
from aitrain_basemodel.judge import adheres

PROMPT_SEED = 99
Draw = Callable[[str, int], Image.Image]


def prompt_set(count: int) -> list[world.Scene]:
    rng = random.Random(PROMPT_SEED)
    return [world.sample(rng) for _ in range(count)]


def measure(draw: Draw, scenes: list[world.Scene], seeds: int) -> dict[str, float]:
    results = [adheres(draw(s.caption(), seed), s) for s in scenes for seed in range(seeds)]
    return {key: round(sum(r[key] for r in results) / len(results), 3) for key in results[0]}


def pipeline_drawer(pipeline, steps: int = 20, guidance: float = 4.0) -> Draw:
    def draw(prompt: str, seed: int) -> Image.Image:
        return pipeline(
            prompt,
            num_inference_steps=steps,
            guidance_scale=guidance,
            height=pipeline.unet.config.sample_size * pipeline.vae_scale_factor,
            width=pipeline.unet.config.sample_size * pipeline.vae_scale_factor,
            generator=torch.Generator().manual_seed(seed),
        ).images[0]

    return draw


def grid(draw: Draw, scenes: list[world.Scene], seeds: int) -> Image.Image:
    tiles = [[draw(s.caption(), seed) for seed in range(seeds)] for s in scenes]
    side = tiles[0][0].width
    sheet = Image.new("RGB", (side * seeds, side * len(scenes)), "white")
    for row, images in enumerate(tiles):
        for column, image in enumerate(images):
            sheet.paste(image, (column * side, row * side))
    return sheet


def main() -> None:
    from diffusers import StableDiffusionPipeline

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model", type=Path)
    parser.add_argument("--prompts", type=int, default=40)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--grids", type=Path)
    args = parser.parse_args()
    pipeline = StableDiffusionPipeline.from_pretrained(args.model)
    pipeline.set_progress_bar_config(disable=True)
    draw = pipeline_drawer(pipeline)
    scenes = prompt_set(args.prompts)
    print(json.dumps(measure(draw, scenes, args.seeds)))
    if args.grids:
        args.grids.mkdir(parents=True, exist_ok=True)
        sheet = grid(draw, scenes[:8], 4)
        # 64 px images are tiny on a screen: scale up without smoothing so pixels stay honest
        sheet.resize((sheet.width * 3, sheet.height * 3), Image.NEAREST).save(
            args.grids / "samples.png"
        )
        rows = "\n".join(f"row {i + 1}: {s.caption()}" for i, s in enumerate(scenes[:8]))
        (args.grids / "samples.txt").write_text(f"4 seeds per row\n{rows}\n")
        print(rows)


if __name__ == "__main__":
    main()
