"""Preview images while training: the stock diffusers pipeline, with the scheduler, steps,
guidance and size rules inference uses (contracts.sampling), so a preview is a generation."""

from contextlib import contextmanager

import torch
from diffusers import StableDiffusionPipeline, StableDiffusionXLPipeline
from PIL import Image

from contracts.sampling import preview_size
from trainer.engine.base import LoadedBase


def pipeline_of(base: LoadedBase, text_encoder=None):
    """A pipeline over the live components, so a sample shows the adapters as they are now."""
    parts = {
        "vae": base.vae,
        "text_encoder": text_encoder or base.text_encoder,
        "tokenizer": base.tokenizer,
        "unet": base.unet,
        "scheduler": base.sampling.scheduler_from(base.noise_scheduler.config),
    }
    if base.is_xl:
        pipeline = StableDiffusionXLPipeline(
            **parts, text_encoder_2=base.text_encoder_2, tokenizer_2=base.tokenizer_2
        )
    else:
        pipeline = StableDiffusionPipeline(
            **parts, safety_checker=None, feature_extractor=None, requires_safety_checker=False
        )
    pipeline.set_progress_bar_config(disable=True)
    return pipeline


def sample(base: LoadedBase, prompt: str, seed: int, text_encoder=None) -> Image.Image:
    with _encoders_on_device(base):
        was_training = base.unet.training
        base.unet.eval()
        width, height = preview_size(base.resolution)
        try:
            return pipeline_of(base, text_encoder)(
                prompt,
                num_inference_steps=base.sampling.steps,
                guidance_scale=base.sampling.guidance,
                height=height,
                width=width,
                generator=torch.Generator().manual_seed(seed),
            ).images[0]
        finally:
            base.unet.train(was_training)


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
