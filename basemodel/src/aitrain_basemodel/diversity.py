"""How different the pictures of one prompt are from seed to seed.

Two figures over every pair of a prompt's images:
- `pixel`: the mean absolute difference of their pixels (0-255);
- `layout`: the share of pairs whose object sits elsewhere (its centre moved by more than
  `MOVED` of the shorter side) or has another size (area off by more than `RESIZED`).

The reference is the world itself: the same captions rendered with fresh strays
(`world.strayed`). A model "as varied as the world at half strength" scores at least half
the world's figures.
"""

import itertools
import random
from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image

from aitrain_basemodel import world
from aitrain_basemodel.judge import object_mask

MOVED = 0.05
RESIZED = 0.15


def diversity(groups: Sequence[Sequence[Image.Image]]) -> dict[str, float]:
    """Mean figures over groups of images, each group one prompt's seeds."""
    pixel, layout = [], []
    for images in groups:
        arrays = [np.asarray(image.convert("RGB"), dtype=float) for image in images]
        layouts = [_layout(a) for a in arrays]
        for i, j in itertools.combinations(range(len(arrays)), 2):
            pixel.append(np.abs(arrays[i] - arrays[j]).mean())
            layout.append(_differs(layouts[i], layouts[j], min(arrays[i].shape[:2])))
    return {"pixel": round(float(np.mean(pixel)), 2), "layout": round(float(np.mean(layout)), 3)}


def world_reference(
    scenes: Sequence[world.Scene], seeds: int, size: tuple[int, int] = (64, 64)
) -> dict[str, float]:
    """The world's own diversity: each caption rendered `seeds` times with fresh strays."""
    rng = random.Random(0)
    return diversity(
        [[world.render(world.strayed(s, rng), *size) for _ in range(seeds)] for s in scenes]
    )


def drawn(
    draw: Callable[[str, int], Image.Image], scenes: Sequence[world.Scene], seeds: int
) -> dict[str, float]:
    return diversity([[draw(s.caption(), seed) for seed in range(seeds)] for s in scenes])


def _layout(pixels: np.ndarray) -> tuple[float, float, float] | None:
    """The object's centre (x, y) and area in pixels; None when there is no object."""
    mask = object_mask(pixels)
    if mask.sum() == 0:
        return None
    ys, xs = np.nonzero(mask)
    return float(xs.mean()), float(ys.mean()), float(mask.sum())


def _differs(a, b, side: int) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    moved = np.hypot(a[0] - b[0], a[1] - b[1]) > MOVED * side
    return bool(moved or abs(a[2] - b[2]) > RESIZED * max(a[2], b[2]))
