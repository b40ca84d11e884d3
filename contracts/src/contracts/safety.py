"""The image check every painted image passes before anyone sees it: inference's generations
and the trainer's previews alike. A base that ships a safety checker (SD 1.5's
`safety_checker/` and `feature_extractor/` folders) is checked with it; a base without one
(the small model, SDXL, FLUX.1) is not.

The checker is run here, not inside the diffusers pipeline: the pipeline's own check swaps a
flagged image for a black one that would still be delivered and charged. Here a flagged image
is named, and the caller withholds it.
"""

from typing import Protocol

FLAGGED = (
    "the image safety check flagged this image as possibly unsafe, so it was withheld; "
    "try a different prompt or seed"
)
"""What the user is told for a withheld image."""


class ImageCheck(Protocol):
    def reasons(self, images: list) -> list[str | None]:
        """Per image (PIL), why it must be withheld, or None when it may be shown."""


class NoCheck:
    """A base without a safety checker: every image may be shown."""

    def reasons(self, images: list) -> list[str | None]:
        return [None] * len(images)


class SafetyChecker:
    """diffusers' StableDiffusionSafetyChecker and its CLIP feature extractor."""

    def __init__(self, model, features):
        self.model, self.features = model.eval(), features

    @classmethod
    def load(cls, weights: str, device, dtype) -> "SafetyChecker":
        """From the base's own `safety_checker/` and `feature_extractor/` (a folder or a hub
        id, like the rest of the base)."""
        # only the torch services use the checker: diffusers is imported on demand
        from diffusers.pipelines.stable_diffusion.safety_checker import (
            StableDiffusionSafetyChecker,
        )
        from transformers import CLIPImageProcessor

        model = StableDiffusionSafetyChecker.from_pretrained(
            weights, subfolder="safety_checker", dtype=dtype
        )
        features = CLIPImageProcessor.from_pretrained(weights, subfolder="feature_extractor")
        return cls(model.to(device), features)

    def reasons(self, images: list) -> list[str | None]:
        import numpy as np

        parameter = next(self.model.parameters())
        pixels = self.features(images, return_tensors="pt").pixel_values
        arrays = np.stack([np.asarray(image, dtype=np.float32) / 255 for image in images])
        _, flagged = self.model(pixels.to(parameter.device, parameter.dtype), arrays)
        return [FLAGGED if bad else None for bad in flagged]


def ships_checker(model_index: dict) -> bool:
    """Whether a base's `model_index.json` names a safety checker and its feature extractor."""
    return all(
        (model_index.get(part) or [None])[0] for part in ("safety_checker", "feature_extractor")
    )


def image_check(weights: str, model_index: dict, device, dtype, enabled: bool) -> ImageCheck:
    """The check for a base: its own safety checker when it ships one and `enabled`."""
    if enabled and ships_checker(model_index):
        return SafetyChecker.load(weights, device, dtype)
    return NoCheck()
