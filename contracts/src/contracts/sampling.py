"""How images are drawn from a base model, in one place: the inference service paints with
it and the trainer draws its previews with it, so a preview shows what a generation will.

`Sampling` is the scheduler, its steps and the guidance scale (ModelSettings reads them from
SAMPLING_*). `output_size` maps an aspect ratio and resolution tier to pixels: a base model
draws best near the area it was trained at, so the tiers are areas relative to it: 720p is
the native area (64 x 64 for the embedded model, 512 x 512 for SD-1.5, 1024 x 1024 for
SDXL) and 1080p is 1.5 times the side (1080 / 720). Sides are rounded to a multiple of the
VAE's factor (8), which every diffusers UNet accepts; FLUX packs latents 2 x 2, so its
sides are multiples of 16.
"""

import math
from dataclasses import dataclass, replace
from typing import get_args

from contracts.bases import Base
from contracts.events.common import AspectRatio, Resolution


@dataclass(frozen=True)
class Sampling:
    scheduler: str = "DDIMScheduler"
    """A diffusers scheduler class, made from the base model's own scheduler config."""
    steps: int = 20
    guidance: float = 4.0
    """Classifier-free guidance: 4 suits the embedded model; SD-1.5 usually wants ~7.5."""

    def for_base(self, base: Base) -> "Sampling":
        """These settings, with the base's own guidance and steps where its catalog entry
        gives them (one deployment's bases want different ones)."""
        return replace(
            self,
            steps=base.sampling_steps or self.steps,
            guidance=base.guidance or self.guidance,
        )

    def scheduler_from(self, config):
        """The scheduler, configured from a base model's scheduler config."""
        import diffusers  # only the torch services have it

        return getattr(diffusers, self.scheduler).from_config(config)


FLUX_MAX_TEXT_TOKENS = 512
"""T5 tokens FLUX.1-dev reads (schnell: 256); a smaller tokenizer limit wins. The trainer
encodes captions and inference prompts to the same length."""

TIER_SCALE: dict[str, float] = {"720p": 1.0, "1080p": 1.5}
RATIOS: tuple[str, ...] = get_args(AspectRatio)
MULTIPLE = 8


def output_size(
    ratio: AspectRatio, tier: Resolution, native_side: int, multiple: int = MULTIPLE
) -> tuple[int, int]:
    """(width, height) in pixels."""
    area = (native_side * TIER_SCALE[tier]) ** 2
    width = math.sqrt(area * _value(ratio))
    height = area / width
    return _round(width, multiple), _round(height, multiple)


def _round(side: float, multiple: int) -> int:
    return max(multiple, round(side / multiple) * multiple)


def preview_size(native_side: int, multiple: int = MULTIPLE) -> tuple[int, int]:
    """What the trainer previews at: a square 720p generation (training images are square)."""
    return output_size("1:1", "720p", native_side, multiple)


def nearest_ratio(width: int, height: int) -> AspectRatio:
    """The aspect ratio the API offers that is closest to `width` x `height` (in log scale:
    2:1 is as far from 1:1 as 1:2)."""
    return min(RATIOS, key=lambda r: abs(math.log(width / height) - math.log(_value(r))))


def _value(ratio: str) -> float:
    wide, high = (int(part) for part in ratio.split(":"))
    return wide / high
