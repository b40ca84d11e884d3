"""Scenes of the procedural world rendered as photo-like pictures: uneven light, film grain,
and a large size, so they pass the dataset service's checks (sharpness, near-duplicates by
perceptual hash, resolution) the way real photos do — flat renders fail them (blurry, and
same-layout renders hash alike). The demo's bundled training set is made with this.
"""

import random

import numpy as np
from PIL import Image

from aitrain_basemodel import world


def photo(scene: world.Scene, side: int, rng: random.Random) -> Image.Image:
    pixels = np.asarray(world.render(scene, side), dtype=np.float32)
    noise = np.random.default_rng(rng.randrange(1 << 30))
    y, x = np.mgrid[0:side, 0:side] / side - 0.5
    angle = rng.uniform(0, 2 * np.pi)
    patches = Image.fromarray(noise.normal(0, 1, (4, 4)).astype(np.float32))
    patches = np.asarray(patches.resize((side, side), Image.Resampling.BICUBIC))
    light = 1 + 0.04 * (np.cos(angle) * x + np.sin(angle) * y) + 0.03 * patches
    grain = noise.normal(0, 10, pixels.shape)
    return Image.fromarray(np.clip(pixels * light[..., None] + grain, 0, 255).astype(np.uint8))


def subject_set(
    shape: str, colour: str, keyword: str, count: int = 15, side: int = 768, seed: int = 11
) -> list[tuple[Image.Image, str]]:
    """`count` photos of one subject (a shape in a colour) in varied layouts and backgrounds,
    each with its caption naming the subject by `keyword`."""
    rng = random.Random(seed)
    layouts = [(size, where) for size in world.SIZES for where in ("center", *world.POSITIONS)]
    rng.shuffle(layouts)
    backgrounds = [name for name in world.PALETTE if name != colour]
    items = []
    for index in range(count):
        size, where = layouts[index % len(layouts)]
        background = backgrounds[index % len(backgrounds)]
        # strayed like the world's own scenes: a subject seen at one spot only would be
        # drawn at that spot for every seed
        scene = world.strayed(world.Scene(shape, colour, background, size, where), rng)
        caption = f"a {keyword} on a {background} background"
        caption += f" at the {where}" if where != "center" else ""
        items.append((photo(scene, side, rng), caption))
    return items
