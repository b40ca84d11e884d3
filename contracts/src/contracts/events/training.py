"""Training context: progress and the outcome of a LoRA training job (trainer)."""

from typing import ClassVar, Literal

from pydantic import Field

from contracts.envelope import Event, Schema
from contracts.events.common import TrainingType


class TrainingProgress(Event):
    """A progress report, sent at a bounded rate (trainer)."""

    context: ClassVar[str] = "training"
    name: ClassVar[str] = "progress"
    training_id: str
    """The running training."""
    step: int = Field(ge=0)
    """Optimiser steps done."""
    total_steps: int = Field(ge=1)
    """Optimiser steps the job will take."""
    loss: float | None = None
    """Recent training loss (smoothed), once there is one."""
    eta_seconds: float | None = Field(default=None, ge=0)
    """Estimated seconds until the job ends."""
    sample_image_key: str | None = None
    """Object key of a sample image made at this step, if one was."""


class TrainingMetrics(Schema):
    final_loss: float
    """Training loss at the end (smoothed)."""
    duration_s: float = Field(ge=0)
    """Wall-clock seconds of the whole job."""
    steps_per_s: float = Field(ge=0)
    """Optimiser steps per second while training."""
    peak_memory_mb: float = Field(ge=0)
    """Peak memory of the job (GPU memory on a GPU, else resident memory)."""
    resumed_from_step: int = Field(default=0, ge=0)
    """The checkpoint step a redelivered job resumed from; 0 when it ran from the start."""


class QualityCheck(Schema):
    step: int = Field(ge=0)
    """The step the adapters were scored at."""
    learned: float
    """How much lower the denoising loss on the subject's images is with the adapters than
    without, on held-out noise and timesteps (0.2: 20 % lower; 0 or less: nothing learned)."""
    drift: float = Field(ge=0)
    """How far the adapters move the answers to prompts without the keyword: the mean
    squared change of the predicted noise, whose variance is 1 (0: not at all)."""


class TrainingQuality(Schema):
    learned: float
    """`learned` of the kept adapters."""
    drift: float = Field(ge=0)
    """`drift` of the kept adapters."""
    learned_verdict: Literal["strong", "weak"]
    """strong: the subject is clearly learned; weak: measurable, but generations may not
    show it (more varied photos or more steps help)."""
    drift_verdict: Literal["low", "high"]
    """high: prompts without the keyword change too (the model may put the subject into
    every picture)."""
    best_step: int = Field(ge=0)
    """The step whose adapters the model holds: the best scored, not always the last."""
    checks: list[QualityCheck] = Field(default_factory=list)
    """Every scoring of the run, in order."""


class TrainingCompleted(Event):
    """The LoRA is trained and stored; a model is ready (trainer)."""

    context: ClassVar[str] = "training"
    name: ClassVar[str] = "completed"
    training_id: str
    """The finished training."""
    model_id: str
    """The new model, used to generate with it."""
    training_type: TrainingType
    """character, style or object."""
    keyword: str
    """The keyword prompts must contain to apply the model."""
    base_model: str
    """Model id or path the LoRA was trained on (its weights)."""
    base: str | None = None
    """That base's name in the deployment's catalog (contracts.bases); None from trainers
    before the catalog (the default base)."""
    weights_key: str
    """Object key of the LoRA safetensors (diffusers' layout)."""
    kohya_weights_key: str | None = None
    """Object key of the same LoRA in the kohya layout (ComfyUI, AUTOMATIC1111); None from
    trainers that did not write one."""
    sample_image_keys: list[str] = Field(default_factory=list)
    """Object keys of sample images (the first is the thumbnail)."""
    metrics: TrainingMetrics
    """How the job went."""
    quality: TrainingQuality | None = None
    """What the job measured it learned; None from trainers that did not measure it."""


class TrainingFailed(Event):
    """The job failed; billing refunds it (trainer)."""

    context: ClassVar[str] = "training"
    name: ClassVar[str] = "failed"
    training_id: str
    """The failed training."""
    reason: str
    """What went wrong, in words a user can act on."""


class TrainingCancelRequested(Event):
    """The user asked to stop a training (gateway). The trainer stops it before it starts or
    at its next step, on whichever replica runs it, and says so with TrainingCancelled; a
    training that ends first (completed, failed) ends as it would have."""

    context: ClassVar[str] = "training"
    name: ClassVar[str] = "cancel_requested"
    training_id: str
    """The training to stop."""


class TrainingCancelled(Event):
    """The training stopped as its user asked; its partial adapter is discarded and billing
    refunds the unrun share of the steps (`contracts.refunds`) (trainer)."""

    context: ClassVar[str] = "training"
    name: ClassVar[str] = "cancelled"
    training_id: str
    """The stopped training."""
    steps_run: int = Field(ge=0)
    """Optimiser steps done and kept (a step lost with a crashed process is not counted)."""
    total_steps: int = Field(ge=1)
    """Optimiser steps the job would have taken."""
