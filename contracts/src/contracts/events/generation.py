"""Generation context: a request, and its images or failure."""

from typing import ClassVar

from pydantic import Field

from contracts.envelope import Event, Schema
from contracts.events.common import GenerationSpec


class GenerationRequested(Event):
    """A user asked for images with one of their models (gateway)."""

    context: ClassVar[str] = "generation"
    name: ClassVar[str] = "requested"
    generation_id: str
    """The request (the business id of its debit)."""
    spec: GenerationSpec
    """Model, prompt and settings."""


class GeneratedImage(Schema):
    key: str
    """Object key of the PNG."""
    width: int = Field(gt=0)
    """Pixels."""
    height: int = Field(gt=0)
    """Pixels."""
    seed: int
    """Seed that reproduces exactly this image."""


class WithheldImage(Schema):
    seed: int
    """The seed of the image that was not delivered."""
    reason: str
    """Why, in words a user can act on."""


class ImageGenerated(Event):
    """The images of one request are stored (inference)."""

    context: ClassVar[str] = "generation"
    name: ClassVar[str] = "image_generated"
    generation_id: str
    """The fulfilled request."""
    model_id: str
    """The model that made the images."""
    images: list[GeneratedImage]
    """The delivered ones: one per requested output, less those withheld."""
    withheld: list[WithheldImage] = []
    """Images the safety check stopped (`contracts.safety`): neither stored nor charged
    (billing refunds their share)."""
    duration_s: float = Field(ge=0)
    """Seconds spent generating."""


class GenerationFailed(Event):
    """The request failed after it was paid for; billing refunds it (inference)."""

    context: ClassVar[str] = "generation"
    name: ClassVar[str] = "failed"
    generation_id: str
    """The failed request."""
    reason: str
    """What went wrong, in words a user can act on."""
