"""One training job, start to end, in a worker thread: `JobInputs` in, LoRA file and figures out.

At each checkpoint and at the end the adapters are scored on held-out inputs
(engine/evaluation.py); the file holds the best scored adapters, not simply the last.

Reports (progress, samples, checkpoints) go through `Reports`, whose calls block the
training thread until the event loop has sent them, so a checkpoint is stored before the
job moves on. Before each step the job asks `Reports` whether its user cancelled it.
"""

import resource
import time
from dataclasses import dataclass, field
from typing import Protocol

import torch
from PIL import Image

from contracts.images import png_bytes
from trainer.domain.pacing import Pacing, ProgressClock
from trainer.domain.plan import Plan
from trainer.engine import memory
from trainer.engine.base import LoadedBase
from trainer.engine.evaluation import Evaluation, Score
from trainer.engine.lora import LoraTraining
from trainer.engine.sampling import sample
from trainer.engine.weights import checkpoint_file, lora_file

SAMPLE_SEED = 1234


class Reports(Protocol):
    def progress(self, step: int, total: int, loss: float, eta: float | None, png: bytes | None):
        """Tell the user where the job is; `png` is a sample image, when one was made."""

    def checkpoint(self, data: bytes, step: int) -> None:
        """Keep a checkpoint so a redelivered job resumes from here."""

    def stop_requested(self) -> bool:
        """Whether the user asked to stop the job (asked before every step: keep it cheap)."""

    def leaving(self) -> bool:
        """Whether this process is stopping (its pod scaled down; asked before every step)."""


class Unwatched:
    """Reports to no one: a job run by a script or a test, which only wants its outcome."""

    def progress(self, step: int, total: int, loss: float, eta: float | None, png: bytes | None):
        pass

    def checkpoint(self, data: bytes, step: int) -> None:
        pass

    def stop_requested(self) -> bool:
        return False

    def leaving(self) -> bool:
        return False


class Cancelled(Exception):
    """The user asked to stop: the job ends here and keeps nothing it trained."""

    def __init__(self, steps_run: int):
        super().__init__(f"cancelled after {steps_run} steps")
        self.steps_run = steps_run


class HandedOver(Exception):
    """The process is stopping: the job stopped after storing a checkpoint, for another
    process to resume it from there."""

    def __init__(self, step: int):
        super().__init__(f"handed over at step {step}")
        self.step = step


@dataclass(frozen=True)
class Outcome:
    lora: bytes
    final_loss: float
    steps_per_s: float
    peak_memory_mb: float
    resumed_from_step: int
    stage_seconds: dict[str, float]
    best: Score
    """The evaluation whose adapters the file holds."""
    scores: list[Score] = field(default_factory=list)
    """Every evaluation of this job (a resumed run: those before the checkpoint too)."""


@dataclass(frozen=True)
class JobInputs:
    """What one job trains on, how, and where it picks up."""

    images: list[Image.Image]
    captions: list[str]
    """One per image, with the keyword."""
    plan: Plan
    facts: dict[str, str | int] = field(default_factory=dict)
    """Written into the LoRA file's metadata (base model, rank, keyword...)."""
    resume: tuple[dict[str, torch.Tensor], int] | None = None
    """A checkpoint's tensors and step, for a redelivered job to continue from."""
    fingerprint: str = ""
    """Of data, plan and base model; each checkpoint carries it, so only this job resumes."""
    framed: list[Image.Image | None] = field(default_factory=list)
    """Per image, the photo whole at its own aspect ratio, where the dataset kept one."""
    cuts: list[tuple] = field(default_factory=list)
    """Per image, (the photo's size, the square's crop corner) where the dataset said."""


def run(base: LoadedBase, inputs: JobInputs, reports: Reports, pacing: Pacing) -> Outcome:
    """The job; `memory.TooBig` when the base does not fit this trainer's GPU."""
    memory.check_fits(base)
    try:
        return _run(base, inputs, reports, pacing)
    except torch.OutOfMemoryError as exc:
        raise memory.TooBig(memory.too_big(base, "out of memory while training")) from exc


def _run(base: LoadedBase, inputs: JobInputs, reports: Reports, pacing: Pacing) -> Outcome:
    started, plan = time.monotonic(), inputs.plan
    if base.device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(base.device)
    training = LoraTraining(
        base, inputs.images, inputs.captions, plan, inputs.framed, inputs.cuts or None
    )
    try:
        if inputs.resume is not None:
            training.restore(*inputs.resume)
        first_step = training.step
        evaluation = Evaluation(training)
        if inputs.resume is not None:
            evaluation.restore(inputs.resume[0])
        cached = time.monotonic()
        clock = ProgressClock(pacing, plan.steps, first_step, cached)
        smoothed: torch.Tensor | None = None

        def store_checkpoint() -> None:
            tensors, at = training.checkpoint()
            tensors |= evaluation.state()
            reports.checkpoint(checkpoint_file(tensors, at, inputs.fingerprint), at)

        while training.step < plan.steps:
            if reports.stop_requested():
                raise Cancelled(training.step)
            if reports.leaving():
                if training.step > first_step:
                    store_checkpoint()
                raise HandedOver(training.step)
            loss = training.train_step()
            smoothed = loss if smoothed is None else 0.9 * smoothed + 0.1 * loss
            step, now = training.step, time.monotonic()
            if clock.checkpoint_due(step) or step == plan.steps:
                evaluation.evaluate()
            if step == plan.steps:  # the last preview shows the adapters the file will hold
                evaluation.keep_best()
            if clock.checkpoint_due(step):
                store_checkpoint()
            sampling = clock.sample_due(step)  # a sample step reports, whenever the last was
            if clock.report_due(step, now) or sampling:
                png = None
                if sampling:
                    preview = sample(base, inputs.captions[0], SAMPLE_SEED, training.text_encoder)
                    png = png_bytes(preview) if preview is not None else None
                eta = clock.eta_seconds(step, now)
                reports.progress(step, plan.steps, float(smoothed), eta, png)
        if not evaluation.scores or evaluation.scores[-1].step != training.step:
            evaluation.evaluate()  # resumed at the very end: score what there is
        best = evaluation.keep_best()
        trained = time.monotonic()
        lora = lora_file(training, inputs.facts)
        steps_done = plan.steps - first_step
        return Outcome(
            lora=lora,
            final_loss=float(smoothed) if smoothed is not None else 0.0,
            steps_per_s=steps_done / max(trained - cached, 1e-9),
            peak_memory_mb=_peak_memory_mb(base),
            resumed_from_step=first_step,
            stage_seconds={
                "caching": round(cached - started, 3),
                "training": round(trained - cached, 3),
                "saving": round(time.monotonic() - trained, 3),
            },
            best=best,
            scores=evaluation.scores,
        )
    finally:
        training.close()


def _peak_memory_mb(base: LoadedBase) -> float:
    if base.device.type == "cuda":
        return torch.cuda.max_memory_allocated(base.device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
