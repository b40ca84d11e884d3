"""Training context: progress and the outcome of a LoRA training job (trainer)."""

from typing import ClassVar

from pydantic import Field

from contracts.envelope import Event, Model
from contracts.events.common import TrainingType


class TrainingProgress(Event):
    """A progress report, sent at a bounded rate (trainer)."""

    context: ClassVar[str] = "training"
    name: ClassVar[str] = "progress"
    training_id: str
    step: int = Field(ge=0)
    total_steps: int = Field(ge=1)
    loss: float | None = None
    eta_seconds: float | None = Field(default=None, ge=0)
    sample_image_key: str | None = Field(default=None, description="A sample image, if one.")


class TrainingMetrics(Model):
    final_loss: float
    duration_s: float = Field(ge=0)
    steps_per_s: float = Field(ge=0)
    peak_memory_mb: float = Field(ge=0)


class TrainingCompleted(Event):
    """The LoRA is trained and stored; a model is ready (trainer)."""

    context: ClassVar[str] = "training"
    name: ClassVar[str] = "completed"
    training_id: str
    model_id: str
    training_type: TrainingType
    keyword: str
    base_model: str = Field(description="Model id or path the LoRA was trained on.")
    weights_key: str = Field(description="Object key of the LoRA safetensors.")
    sample_image_keys: list[str] = Field(default_factory=list)
    metrics: TrainingMetrics


class TrainingFailed(Event):
    """The job failed; billing refunds it (trainer)."""

    context: ClassVar[str] = "training"
    name: ClassVar[str] = "failed"
    training_id: str
    reason: str = Field(description="What went wrong, in words a user can act on.")
