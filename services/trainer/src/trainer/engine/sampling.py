"""Preview images while training: the stock diffusers pipeline, with the scheduler, steps,
guidance and size rules inference uses (contracts.sampling), so a preview is a generation."""

from contextlib import contextmanager

import torch
from PIL import Image

from contracts.sampling import preview_size
from trainer.engine import families
from trainer.engine.base import LoadedBase


def pipeline_of(base: LoadedBase, text_encoder=None):
    """A pipeline over the live components, so a sample shows the adapters as they are now."""
    parts = {
        "vae": base.vae,
        "text_encoder": text_encoder or base.text_encoder,
        "tokenizer": base.tokenizer,
        base.family.denoiser: base.denoiser,
        "scheduler": scheduler_of(base),
    }
    if base.text_encoder_2 is not None:
        parts |= {"text_encoder_2": base.text_encoder_2, "tokenizer_2": base.tokenizer_2}
    if base.family.name == "sd":
        parts |= {"safety_checker": None, "feature_extractor": None}
        parts["requires_safety_checker"] = False
    pipeline = base.family.pipeline(**parts)
    pipeline.set_progress_bar_config(disable=True)
    return pipeline


def scheduler_of(base: LoadedBase):
    """The sampling scheduler: SAMPLING_SCHEDULER's for the DDPM families; FLUX samples with
    its own flow-matching scheduler (a DDPM-family scheduler cannot draw from it)."""
    if base.family.flow:
        return base.noise_scheduler
    return base.sampling.scheduler_from(base.noise_scheduler.config)


def sample(base: LoadedBase, prompt: str, seed: int, text_encoder=None) -> Image.Image | None:
    """A preview of `prompt`; None when the base's safety check withholds it (a preview is
    shown as a generation would be, or not at all)."""
    image = _paint(base, prompt, seed, text_encoder)
    return None if base.check.reasons([image])[0] else image


def _paint(base: LoadedBase, prompt: str, seed: int, text_encoder) -> Image.Image:
    with _encoders_on_device(base):
        was_training = base.denoiser.training
        base.denoiser.eval()
        width, height = preview_size(base.resolution, base.size_multiple)
        extra = {}
        if base.family.flow:
            extra["max_sequence_length"] = families.text_length(base, base.tokenizer_2)
        try:
            return pipeline_of(base, text_encoder)(
                prompt,
                num_inference_steps=base.sampling.steps,
                guidance_scale=base.sampling.guidance,
                height=height,
                width=width,
                generator=torch.Generator().manual_seed(seed),
                **extra,
            ).images[0]
        finally:
            base.denoiser.train(was_training)


@contextmanager
def _encoders_on_device(base: LoadedBase):
    """Training keeps the encoders off the GPU; a sample borrows them back briefly."""
    if base.device.type != "cuda":
        yield
        return
    for encoder in base.encoders:
        encoder.to(base.device)
    try:
        yield
    finally:
        for encoder in base.encoders:
            encoder.to("cpu")
