"""Output size from aspect ratio and resolution tier, scaled to the base model's native side.

A base model draws best near the area it was trained at, so the tiers are areas relative to
it: 720p is the native area (64 x 64 for the embedded model, 512 x 512 for SD-1.5, 1024 x
1024 for SDXL) and 1080p is 1.5 times the side (1080 / 720). Sides are rounded to a multiple
of the VAE's factor (8), which every diffusers UNet accepts.
"""

import math

from contracts.events.common import AspectRatio, Resolution

TIER_SCALE: dict[str, float] = {"720p": 1.0, "1080p": 1.5}
MULTIPLE = 8


def output_size(
    ratio: AspectRatio, tier: Resolution, native_side: int, multiple: int = MULTIPLE
) -> tuple[int, int]:
    """(width, height) in pixels."""
    wide, high = (int(part) for part in ratio.split(":"))
    area = (native_side * TIER_SCALE[tier]) ** 2
    width = math.sqrt(area * wide / high)
    height = area / width
    return _round(width, multiple), _round(height, multiple)


def _round(side: float, multiple: int) -> int:
    return max(multiple, round(side / multiple) * multiple)
