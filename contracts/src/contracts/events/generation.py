"""Generation context: a request, and its images or failure."""

from typing import ClassVar

from pydantic import Field

from contracts.envelope import Event, Model
from contracts.events.common import GenerationSpec


class GenerationRequested(Event):
    """A user asked for images with one of their models (gateway)."""

    context: ClassVar[str] = "generation"
    name: ClassVar[str] = "requested"
    generation_id: str
    spec: GenerationSpec


class GeneratedImage(Model):
    key: str = Field(description="Object key of the PNG.")
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    seed: int


class ImageGenerated(Event):
    """The images of one request are stored (inference)."""

    context: ClassVar[str] = "generation"
    name: ClassVar[str] = "image_generated"
    generation_id: str
    model_id: str
    images: list[GeneratedImage]
    duration_s: float = Field(ge=0)


class GenerationFailed(Event):
    """The request failed after it was paid; billing refunds it (inference)."""

    context: ClassVar[str] = "generation"
    name: ClassVar[str] = "failed"
    generation_id: str
    reason: str
