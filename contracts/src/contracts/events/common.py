"""Value types that several events share."""

from typing import Literal

from pydantic import Field

from contracts.envelope import Schema

TrainingType = Literal["character", "style", "object"]
AspectRatio = Literal["1:1", "16:9", "9:16", "4:3", "3:4", "21:9"]
Resolution = Literal["720p", "1080p"]
StylePreset = Literal["none", "cinematic", "photographic", "anime", "illustration", "3d-render"]
Severity = Literal["error", "warning"]


class Finding(Schema):
    """One thing found about an image or the whole set, with what the user should do."""

    severity: Severity
    """error: the training cannot run; warning: it can, but results may suffer."""
    code: str
    """Stable machine-readable code, e.g. 'too_small' or 'duplicate'."""
    message: str
    """What is wrong and how to fix it, in words for the user."""


class ImageReport(Schema):
    name: str
    """The uploaded file's display name (sanitised; never used as an object key)."""
    key: str | None = None
    """Object key of the raw upload, when it was stored."""
    findings: list[Finding] = Field(default_factory=list)
    """Everything found about this image; empty when it is fine."""


class DatasetReport(Schema):
    images: list[ImageReport] = Field(default_factory=list)
    """One report per uploaded file, in upload order."""
    findings: list[Finding] = Field(default_factory=list)
    """Findings about the set as a whole (count, variety)."""


class TrainingImage(Schema):
    """A processed training image and the caption it trains with."""

    key: str
    """Object key of the processed PNG (a square)."""
    caption: str
    """Caption used for training; always contains the keyword."""
    framed_key: str | None = None
    """Object key of the whole photo at the aspect ratio the API offers nearest its own, at
    about the square's area: the trainer learns wide and tall pictures from it. None when
    that ratio is 1:1."""
    original_size: tuple[int, int] | None = None
    """(height, width) of the photo the square was cut from; with `crop_top_left`, SDXL's
    size conditioning. None from datasets that did not record it (then: uncropped)."""
    crop_top_left: tuple[int, int] | None = None
    """(top, left) of the square in the photo scaled so that its short side is the square's
    side (where SDXL's training scripts measure a crop)."""


class TrainingOverrides(Schema):
    """Per-request changes to the training preset, within safe bounds (checked on parsing, so
    the gateway refuses a bad value at once and the trainer never sees one)."""

    rank: Literal[4, 8, 16, 32, 64] | None = None
    """LoRA rank; None keeps the preset's."""
    learning_rate: float | None = Field(default=None, ge=1e-6, le=1e-2)
    """Learning rate; None keeps the preset's."""
    steps: int | None = Field(default=None, ge=50, le=3000)
    """Optimiser steps; None lets the preset scale them with the image count."""


class TrainingSpec(Schema):
    """Everything the trainer needs for one job, carried down the chain."""

    training_type: TrainingType
    """character, style or object: selects the training preset."""
    keyword: str
    """The unique keyword the model learns; prompts must contain it."""
    images: list[TrainingImage]
    """The processed images with their captions."""
    dataset_hash: str
    """Hash over the processed images and captions (same data, same hash)."""
    overrides: TrainingOverrides | None = None
    """Changes to the preset the user asked for, if any."""
    base: str | None = None
    """The base model to train on, by its name in the deployment's catalog
    (contracts.bases); None: the catalog's default."""


class GenerationSettings(Schema):
    aspect_ratio: AspectRatio = "1:1"
    """Width:height of every output image."""
    resolution: Resolution = "720p"
    """Size tier; mapped to a pixel size suited to the base model."""
    num_outputs: int = Field(default=1, ge=1, le=4)
    """How many images to generate (each is paid for)."""
    style: StylePreset = "none"
    """A preset that shapes the prompt."""
    seed: int | None = None
    """Seed of the first image; None lets the platform pick one."""


MAX_MODELS = 3
"""Trained models one generation may use together."""


class ModelUse(Schema):
    """One trained model in a generation, and how strongly it applies."""

    model_id: str
    """The trained model."""
    weights_key: str
    """Object key of its LoRA safetensors."""
    keyword: str
    """Its keyword (in the prompt)."""
    weight: float = Field(default=1.0, ge=0, le=2)
    """Its LoRA's scale: 1 as trained, 0 leaves it out, up to 2."""


class GenerationSpec(Schema):
    """Everything the inference service needs for one request, carried down the chain."""

    model_id: str
    """The first (or only) trained model to generate with."""
    weights_key: str
    """Object key of that model's LoRA safetensors."""
    keyword: str
    """That model's keyword."""
    models: list[ModelUse] = Field(default_factory=list, max_length=MAX_MODELS)
    """Every model of the request with its weight, the first being `model_id`'s; empty in
    requests made before several models could be used (then `model_id` alone at 1)."""
    prompt: str
    """The user's prompt; contains the keyword."""
    negative_prompt: str | None = None
    """What the images should not show, if anything."""
    settings: GenerationSettings = Field(default_factory=GenerationSettings)
    """Ratio, resolution, number of outputs, style and seed."""
    base: str | None = None
    """The base model the models were trained on, by its catalog name (every model of a
    generation shares it); None: the catalog's default."""

    def uses(self) -> list[ModelUse]:
        """The models to apply, with their weights."""
        if self.models:
            return self.models
        return [
            ModelUse(model_id=self.model_id, weights_key=self.weights_key, keyword=self.keyword)
        ]
