"""How often the model draws what the prompt says, how clean and how varied it draws it.

    python -m aitrain_basemodel.adherence MODEL_DIR [--prompts 40] [--seeds 3] [--grids OUT]

Prints, per aspect ratio, the share of images whose background colour, object colour and
shape match the prompt and their mean artifact score (judge.artifact_score: stray-coloured
pixels), over a fixed prompt set and seeds; then seed diversity (diversity.py) at 1:1 and
16:9 beside the world's own. Saves sample grids when asked.
"""

import argparse
import json
import random
from collections.abc import Callable
from pathlib import Path

import torch
from PIL import Image

from aitrain_basemodel import diversity, world
from aitrain_basemodel.architecture import ASPECT_BUCKETS
from aitrain_basemodel.judge import adheres, artifact_score

PROMPT_SEED = 99
Draw = Callable[[str, int], Image.Image]
GRID_RATIOS = ("1:1", "16:9", "9:16")
DIVERSITY_PROMPTS, DIVERSITY_SEEDS = 10, 4


def prompt_set(count: int) -> list[world.Scene]:
    rng = random.Random(PROMPT_SEED)
    return [world.sample(rng) for _ in range(count)]


def measure(draw: Draw, scenes: list[world.Scene], seeds: int) -> dict[str, float]:
    """Adherence rates (background, colour, shape) and the mean artifact score."""
    results = []
    for scene in scenes:
        for seed in range(seeds):
            image = draw(scene.caption(), seed)
            results.append(adheres(image, scene) | {"artifact": artifact_score(image, scene)})
    return {key: round(sum(r[key] for r in results) / len(results), 4) for key in results[0]}


def pipeline_drawer(
    pipeline, steps: int = 20, guidance: float = 4.0, size: tuple[int, int] | None = None
) -> Draw:
    """Draws `size` (width, height) images; the model's native square by default."""
    native = pipeline.unet.config.sample_size * pipeline.vae_scale_factor
    width, height = size or (native, native)

    def draw(prompt: str, seed: int) -> Image.Image:
        return pipeline(
            prompt,
            num_inference_steps=steps,
            guidance_scale=guidance,
            height=height,
            width=width,
            generator=torch.Generator().manual_seed(seed),
        ).images[0]

    return draw


def grid(draw: Draw, scenes: list[world.Scene], seeds: int) -> Image.Image:
    tiles = [[draw(s.caption(), seed) for seed in range(seeds)] for s in scenes]
    width, height = tiles[0][0].size
    sheet = Image.new("RGB", (width * seeds, height * len(scenes)), "white")
    for row, images in enumerate(tiles):
        for column, image in enumerate(images):
            sheet.paste(image, (column * width, row * height))
    return sheet


def report(pipeline, prompts: int, seeds: int) -> dict:
    """Every figure of the module docstring; other ratios than 1:1 on half the prompts."""
    scenes = prompt_set(prompts)
    figures: dict = {"adherence": {}, "diversity": {}}
    for ratio, size in ASPECT_BUCKETS.items():
        chosen = scenes if ratio == "1:1" else scenes[: max(prompts // 2, 1)]
        figures["adherence"][ratio] = measure(pipeline_drawer(pipeline, size=size), chosen, seeds)
    for ratio in ("1:1", "16:9"):
        size, few = ASPECT_BUCKETS[ratio], scenes[:DIVERSITY_PROMPTS]
        figures["diversity"][ratio] = {
            "model": diversity.drawn(pipeline_drawer(pipeline, size=size), few, DIVERSITY_SEEDS),
            "world": diversity.world_reference(few, DIVERSITY_SEEDS, size),
        }
    return figures


def write_grids(pipeline, out: Path) -> None:
    """8 prompts x 4 seeds per ratio in GRID_RATIOS, and the rows' captions."""
    out.mkdir(parents=True, exist_ok=True)
    scenes = prompt_set(8)
    for ratio in GRID_RATIOS:
        sheet = grid(pipeline_drawer(pipeline, size=ASPECT_BUCKETS[ratio]), scenes, 4)
        # tiny images on a screen: scale up without smoothing so pixels stay honest
        name = "samples.png" if ratio == "1:1" else f"samples-{ratio.replace(':', 'x')}.png"
        sheet.resize((sheet.width * 3, sheet.height * 3), Image.NEAREST).save(out / name)
    rows = "\n".join(f"row {i + 1}: {s.caption()}" for i, s in enumerate(scenes))
    (out / "samples.txt").write_text(f"4 seeds per row, one sheet per ratio\n{rows}\n")


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
    print(json.dumps(report(pipeline, args.prompts, args.seeds), indent=1))
    if args.grids:
        write_grids(pipeline, args.grids)


if __name__ == "__main__":
    main()
