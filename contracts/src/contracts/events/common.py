"""Value types that several events share."""

from typing import Literal

from pydantic import Field

from contracts.envelope import Model

TrainingType = Literal["character", "style", "object"]
AspectRatio = Literal["1:1", "16:9", "9:16", "4:3", "3:4", "21:9"]
Resolution = Literal["720p", "1080p"]
StylePreset = Literal["none", "cinematic", "photographic", "anime", "illustration", "3d-render"]
Severity = Literal["error", "warning"]


class Finding(Model):
    """One thing found about an image or the whole set, with what the user should do."""

    severity: Severity = Field(description="error: training cannot run; warning: it can.")
    code: str = Field(description="Stable machine-readable code, e.g. 'too_small'.")
    message: str = Field(description="What is wrong and how to fix it, for the user.")


class ImageReport(Model):
    name: str = Field(description="The uploaded file's display name (sanitised).")
    key: str | None = Field(default=None, description="Object key of the upload, if stored.")
    findings: list[Finding] = Field(default_factory=list)


class DatasetReport(Model):
    images: list[ImageReport] = Field(default_factory=list, description="One per upload.")
    findings: list[Finding] = Field(default_factory=list, description="Dataset-level findings.")


class TrainingImage(Model):
    """A processed training image and the caption it trains with."""

    key: str = Field(description="Object key of the processed PNG.")
    caption: str = Field(description="Caption; always contains the keyword.")


class TrainingSpec(Model):
    """Everything the trainer needs to run one job, carried down the chain."""

    training_type: TrainingType
    keyword: str = Field(description="The unique keyword the model learns.")
    images: list[TrainingImage]
    dataset_hash: str = Field(description="Hash of the processed images and captions.")


class GenerationSettings(Model):
    aspect_ratio: AspectRatio = "1:1"
    resolution: Resolution = "720p"
    num_outputs: int = Field(default=1, ge=1, le=4)
    style: StylePreset = "none"
    seed: int | None = Field(default=None, description="None: the platform picks one.")


class GenerationSpec(Model):
    """Everything the inference service needs for one request, carried down the chain."""

    model_id: str
    weights_key: str = Field(description="Object key of the LoRA safetensors.")
    keyword: str
    prompt: str = Field(description="The user's prompt; contains the keyword.")
    negative_prompt: str | None = None
    settings: GenerationSettings = Field(default_factory=GenerationSettings)
