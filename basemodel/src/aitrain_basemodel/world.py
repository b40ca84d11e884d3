"""A procedural, captioned image world: shapes on backgrounds, deterministic from a seed.

A caption names the place and size roughly ("at the left", "small"); a strayed scene
(`strayed`, `sample(..., stray=True)`) moves and resizes the object by amounts the caption
does not say, so one prompt has many right pictures: the reference for seed diversity
(diversity.py), and the data of the committed base model (v2; the first one was pretrained
on one picture per caption and drew nearly the same picture for every seed). Scenes render
at any width and height.

Pretraining sees only the ordinary concepts. The reserved ones (star and heart shapes, the
striped pattern) never appear in pretraining: training tests and the demo teach them, so
"the model learned it" can be measured against a base model that never saw it.
"""

import math
import random
from dataclasses import dataclass, replace

from PIL import Image, ImageDraw

# Clearly distinct colours (a first attempt with close hues saw yellow drift to orange).
PALETTE: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 80, 220),
    "yellow": (240, 220, 40),
    "purple": (140, 50, 190),
    "white": (240, 240, 240),
    "black": (25, 25, 25),
}
SHAPES = ("circle", "square", "triangle")
RESERVED_SHAPES = ("star", "heart")
SIZES = {"small": 0.28, "big": 0.55}
POSITIONS = {"left": (0.3, 0.5), "right": (0.7, 0.5), "top": (0.5, 0.3), "bottom": (0.5, 0.7)}
PATTERNS = ("plain", "dotted")
RESERVED_PATTERNS = ("striped",)
SUPERSAMPLE = 4
JITTER = 0.1
"""How far an object strays from its named place, as a share of the image's width/height."""
SCALE_JITTER = 0.15
"""How much bigger or smaller than its named size an object may be."""


@dataclass(frozen=True)
class Scene:
    shape: str
    colour: str
    background: str
    size: str = "big"
    position: str = "center"
    pattern: str = "plain"
    offset: tuple[float, float] = (0.0, 0.0)
    """Where the object strays from its named place (shares of width and height)."""
    scale: float = 1.0
    """Its size relative to the named one."""

    def caption(self) -> str:
        words = ["a"]
        if self.size != "big":
            words.append(self.size)
        words.append(self.colour)
        if self.pattern != "plain":
            words.append(self.pattern)
        words += [self.shape, "on", "a", self.background, "background"]
        if self.position != "center":
            words += ["at", "the", self.position]
        return " ".join(words)


def sample(rng: random.Random, reserved: bool = False, stray: bool = False) -> Scene:
    """A random ordinary scene; with `reserved`, the shape or pattern is a reserved one; with
    `stray`, the object strays from its named place and size (`strayed`). Without, a seed
    draws the same scenes as the first world did (the committed model's prompt sets)."""
    colour, background = rng.sample(sorted(PALETTE), 2)
    shape, pattern = rng.choice(SHAPES), rng.choice(PATTERNS)
    if reserved:
        if rng.random() < 0.5:
            shape = rng.choice(RESERVED_SHAPES)
        else:
            pattern = rng.choice(RESERVED_PATTERNS)
    position = rng.choice(["center", "center", *POSITIONS])
    size = "big" if position == "center" else rng.choice(list(SIZES))
    scene = Scene(shape, colour, background, size, position, pattern)
    return strayed(scene, rng) if stray else scene


def strayed(scene: Scene, rng: random.Random) -> Scene:
    """The scene with a fresh offset and scale: another right picture for the same caption."""
    offset = (rng.uniform(-JITTER, JITTER), rng.uniform(-JITTER, JITTER))
    return replace(scene, offset=offset, scale=rng.uniform(1 - SCALE_JITTER, 1 + SCALE_JITTER))


def render(scene: Scene, width: int = 64, height: int | None = None) -> Image.Image:
    """Draw the scene `width` x `height` (square by default), anti-aliased by drawing large
    and scaling down. Places are shares of each side."""
    height = height or width
    big = (width * SUPERSAMPLE, height * SUPERSAMPLE)
    image = Image.new("RGB", big, PALETTE[scene.background])
    mask = Image.new("L", big, 0)
    cx, cy = POSITIONS.get(scene.position, (0.5, 0.5))
    # sizes are shares of the side of a square of the same area, so an object is as big in
    # a wide picture as in a square one (but fits its shorter side)
    radius = min(SIZES[scene.size] * scene.scale * math.sqrt(big[0] * big[1]), min(big) * 0.9) / 2
    # strayed, but never off the canvas
    cx = _within(cx + scene.offset[0], radius / big[0])
    cy = _within(cy + scene.offset[1], radius / big[1])
    _draw_shape(ImageDraw.Draw(mask), scene.shape, cx * big[0], cy * big[1], radius)
    fill = Image.new("RGB", big, PALETTE[scene.colour])
    if scene.pattern != "plain":
        _draw_pattern(fill, scene)
    image.paste(fill, (0, 0), mask)
    return image.resize((width, height), Image.Resampling.LANCZOS)


def _within(centre: float, reach: float) -> float:
    return min(max(centre, reach), 1 - reach) if reach < 0.5 else 0.5


def _draw_shape(draw: ImageDraw.ImageDraw, shape: str, x: float, y: float, r: float) -> None:
    if shape == "circle":
        draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    elif shape == "square":
        s = r * 0.85
        draw.rectangle((x - s, y - s, x + s, y + s), fill=255)
    elif shape == "triangle":
        draw.polygon(
            [(x, y - r), (x + r * 0.95, y + r * 0.75), (x - r * 0.95, y + r * 0.75)], fill=255
        )
    elif shape == "star":
        points = []
        for k in range(10):
            angle = -math.pi / 2 + k * math.pi / 5
            reach = r if k % 2 == 0 else r * 0.42
            points.append((x + reach * math.cos(angle), y + reach * math.sin(angle)))
        draw.polygon(points, fill=255)
    elif shape == "heart":
        lobe = r * 0.5
        draw.ellipse((x - r, y - r * 0.75, x, y - r * 0.75 + 2 * lobe), fill=255)
        draw.ellipse((x, y - r * 0.75, x + r, y - r * 0.75 + 2 * lobe), fill=255)
        draw.polygon(
            [(x - r * 0.97, y - r * 0.2), (x + r * 0.97, y - r * 0.2), (x, y + r)], fill=255
        )
    else:
        raise ValueError(f"unknown shape {shape!r}")


def pattern_ink(scene: Scene) -> str:
    """The pattern's colour: neither the object's nor the background's, so the silhouette
    stays whole (white, else black, else yellow)."""
    return next(
        c for c in ("white", "black", "yellow") if c not in (scene.colour, scene.background)
    )


def _draw_pattern(fill: Image.Image, scene: Scene) -> None:
    """Dots or stripes in a third colour, over the object's colour."""
    draw, ink = ImageDraw.Draw(fill), PALETTE[pattern_ink(scene)]
    width, height = fill.size
    step = min(fill.size) // 8
    if scene.pattern == "dotted":
        for gx in range(step // 2, width, step):
            for gy in range(step // 2, height, step):
                r = step * 0.18
                draw.ellipse((gx - r, gy - r, gx + r, gy + r), fill=ink)
    elif scene.pattern == "striped":
        for gx in range(0, width, step):
            draw.rectangle((gx, 0, gx + step * 0.35, height), fill=ink)
