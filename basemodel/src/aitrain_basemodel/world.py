"""A procedural, captioned image world: shapes on backgrounds, deterministic from a seed.

Pretraining sees only the ordinary concepts. The reserved ones (star and heart shapes, the
striped pattern) never appear in pretraining: training tests and the demo teach them, so
"the model learned it" can be measured against a base model that never saw it.
"""

import math
import random
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Scene:
    shape: str
    colour: str
    background: str
    size: str = "big"
    position: str = "center"
    pattern: str = "plain"

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


def sample(rng: random.Random, reserved: bool = False) -> Scene:
    """A random ordinary scene; with `reserved`, the shape or pattern is a reserved one."""
    colour, background = rng.sample(sorted(PALETTE), 2)
    shape, pattern = rng.choice(SHAPES), rng.choice(PATTERNS)
    if reserved:
        if rng.random() < 0.5:
            shape = rng.choice(RESERVED_SHAPES)
        else:
            pattern = rng.choice(RESERVED_PATTERNS)
    position = rng.choice(["center", "center", *POSITIONS])
    size = "big" if position == "center" else rng.choice(list(SIZES))
    return Scene(shape, colour, background, size, position, pattern)


def render(scene: Scene, resolution: int = 64) -> Image.Image:
    """Draw the scene, anti-aliased by drawing large and scaling down."""
    side = resolution * SUPERSAMPLE
    image = Image.new("RGB", (side, side), PALETTE[scene.background])
    mask = Image.new("L", (side, side), 0)
    cx, cy = POSITIONS.get(scene.position, (0.5, 0.5))
    radius = SIZES[scene.size] * side / 2
    _draw_shape(ImageDraw.Draw(mask), scene.shape, cx * side, cy * side, radius)
    fill = Image.new("RGB", (side, side), PALETTE[scene.colour])
    if scene.pattern != "plain":
        _draw_pattern(fill, scene, side)
    image.paste(fill, (0, 0), mask)
    return image.resize((resolution, resolution), Image.Resampling.LANCZOS)


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


def _draw_pattern(fill: Image.Image, scene: Scene, side: int) -> None:
    """Dots or stripes in a third colour, over the object's colour."""
    draw, ink = ImageDraw.Draw(fill), PALETTE[pattern_ink(scene)]
    step = side // 8
    if scene.pattern == "dotted":
        for gx in range(step // 2, side, step):
            for gy in range(step // 2, side, step):
                r = step * 0.18
                draw.ellipse((gx - r, gy - r, gx + r, gy + r), fill=ink)
    elif scene.pattern == "striped":
        for gx in range(0, side, step):
            draw.rectangle((gx, 0, gx + step * 0.35, side), fill=ink)
