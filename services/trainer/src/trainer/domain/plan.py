"""The plan one training job follows: all the LoRA loop (engine/lora.py) needs to know.

`presets.plan` chooses it from the training type's preset, the number of images and the
request's overrides. A checkpoint's fingerprint includes it, so a job resumes only from a
checkpoint of the same plan.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    steps: int
    """Optimiser steps."""
    rank: int
    """Rank (and alpha) of the UNet's adapter."""
    learning_rate: float
    """The UNet adapter's."""
    batch_size: int = 4
    seed: int = 0
    """Of the batches, the noise and the adapters' initial weights."""
    text_encoder_rank: int = 0
    """An adapter on the text encoder too (0: none, and its embeddings are cached); it lets the
    keyword, not every prompt, carry the subject."""
    text_encoder_learning_rate: float = 5e-4
    preserve_weight: float = 0.0
    """Weight of prior preservation: how strongly prompts without the keyword keep the base
    model's answers (0: none)."""
    prior_batch: int = 0
    """Prior prompts per step beside the batch (0: as many as the batch)."""
    teacher_bank: int = 0
    """The base model's answers to this many (prior prompt, noise, timestep) cases computed
    once and reused, so a step runs no teacher pass (0: the teacher answers every step)."""
    smaller_sides: tuple[float, ...] = ()
    """The squares are also trained at these fractions of the base's side, each a bucket of
    its own (FLUX.1's 0.5 and 0.75: its trainers' 512-768-1024 buckets), so the adapter
    draws the subject at the smaller sizes people generate too. Empty: the base's side."""
    gradient_checkpointing: bool = False
    """Recompute the denoiser's activations in the backward pass instead of keeping them:
    slower steps, far less memory (SDXL and FLUX.1 at 1024 px need it on most GPUs)."""
