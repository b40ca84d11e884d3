"""What differs between the base model families, in one place; the LoRA loop
(engine/lora.py) is the same for all of them.

- "sd" (SD 1.x/2.x) and "sdxl": a UNet denoises a DDPM-noised latent and predicts the noise
  (or the velocity); text comes from CLIP, for SDXL from two CLIPs (penultimate layers
  joined, the second's pooled embedding) with the image's size and crop as "time ids".
- "flux" (FLUX.1): a transformer over 2 x 2-packed latents learns the flow from image to
  noise (rectified flow: noisy = (1 - s) x + s n, target n - x); text is T5's hidden states
  beside CLIP's pooled embedding, and a guidance embedding says how strongly to follow it.
  Training draws s from a logit-normal (SD3, Esser et al. 2024, section 3.1; kohya's
  `--timestep_sampling sigmoid`) shifted for the image's size as FLUX's sampler shifts it
  (`calculate_shift`; kohya's `flux_shift`), so it learns where inference asks. The
  guidance is 1.0 while training (kohya sd-scripts' FLUX.1-dev LoRA recipe).
"""

import math
from dataclasses import dataclass

import torch
from diffusers import FluxPipeline, StableDiffusionPipeline, StableDiffusionXLPipeline

from contracts.limits import keyword_end
from contracts.sampling import FLUX_MAX_TEXT_TOKENS

# attention projections of every transformer block: the standard LoRA targets for SD
UNET_TARGETS = ["to_q", "to_k", "to_v", "to_out.0"]
# diffusers' train_dreambooth_lora_flux.py defaults: attention of both streams (the single
# blocks' to_q/k/v included) and the double blocks' MLPs
FLUX_TARGETS = [
    "attn.to_q", "attn.to_k", "attn.to_v", "attn.to_out.0",
    "attn.add_q_proj", "attn.add_k_proj", "attn.add_v_proj", "attn.to_add_out",
    "ff.net.0.proj", "ff.net.2", "ff_context.net.0.proj", "ff_context.net.2",
]  # fmt: skip
FLUX_TRAINING_GUIDANCE = 1.0


@dataclass(frozen=True)
class Family:
    name: str
    """"sd", "sdxl" or "flux"."""

    @property
    def flow(self) -> bool:
        return self.name == "flux"

    @property
    def denoiser(self) -> str:
        """The denoiser's name in a pipeline and in a LoRA file's keys."""
        return "transformer" if self.flow else "unet"

    @property
    def lora_targets(self) -> list[str]:
        return FLUX_TARGETS if self.flow else UNET_TARGETS

    @property
    def pipeline(self) -> type:
        return {
            "sd": StableDiffusionPipeline,
            "sdxl": StableDiffusionXLPipeline,
            "flux": FluxPipeline,
        }[self.name]

    @property
    def trains_text_encoder(self) -> bool:
        """Only SD 1.x/2.x: SDXL's and FLUX's usual LoRAs leave the text encoders alone."""
        return self.name == "sd"


def family_of(model_index: dict) -> Family:
    """The family a diffusers folder's `model_index.json` describes."""
    if "transformer" in model_index:
        if model_index.get("_class_name") != "FluxPipeline":
            raise ValueError(f"unsupported transformer model {model_index.get('_class_name')}")
        return Family("flux")
    return Family("sdxl" if "text_encoder_2" in model_index else "sd")


def tokenize(base, captions: list[str]) -> list[torch.Tensor]:
    """Token ids per tokenizer (CLIP; SDXL's second CLIP or FLUX's T5)."""
    tokenizers = [t for t in (base.tokenizer, base.tokenizer_2) if t is not None]
    return [
        tokenizer(
            captions,
            padding="max_length",
            max_length=text_length(base, tokenizer),
            truncation=True,
            return_tensors="pt",
        ).input_ids
        for tokenizer in tokenizers
    ]


def keyword_read(base, captions: list[str], keyword: str) -> list[str]:
    """The captions as the base reads them: one whose keyword lies past the text window of
    the encoder that reads prompts (CLIP's 77 tokens for SD 1.5 and SDXL, T5's for FLUX.1)
    gets the keyword put first, as the dataset service does to a caption without it, so a
    long caption still teaches the keyword."""
    tokenizer = base.tokenizer_2 if base.family.flow else base.tokenizer
    window = text_length(base, tokenizer)
    read = []
    for caption in captions:
        end = keyword_end(caption, keyword)
        # the tokens up to the keyword, with the tokenizer's own start and end marks
        reads_it = end is not None and len(tokenizer(caption[:end]).input_ids) <= window
        read.append(caption if reads_it else f"{keyword}, {caption}")
    return read


def text_length(base, tokenizer) -> int:
    if base.family.flow and tokenizer is base.tokenizer_2:
        return min(tokenizer.model_max_length, FLUX_MAX_TEXT_TOKENS)
    return tokenizer.model_max_length


def encode_text(
    base, tokens: list[torch.Tensor], first
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The denoiser's text inputs (hidden states, pooled embedding or None), with `first` as
    the first text encoder (a job's trained copy or the base's)."""
    device = base.device
    if base.family.flow:
        pooled = first(tokens[0].to(device), output_hidden_states=False).pooler_output
        return base.text_encoder_2(tokens[1].to(device))[0], pooled
    if base.text_encoder_2 is None:
        return first(tokens[0].to(device))[0], None
    hidden, pooled = [], None
    for encoder, ids in zip((first, base.text_encoder_2), tokens, strict=True):
        out = encoder(ids.to(device), output_hidden_states=True)
        hidden.append(out.hidden_states[-2])  # SDXL reads the penultimate layer
        pooled = out[0]  # the second encoder's projected text embedding
    return torch.cat(hidden, dim=-1), pooled


def draw_timesteps(base, count: int, latents: torch.Tensor, generator) -> torch.Tensor:
    """A training batch's timesteps: DDPM's integers, or FLUX's noise levels in (0, 1)."""
    if not base.family.flow:
        steps = base.noise_scheduler.config.num_train_timesteps
        return torch.randint(steps, (count,), generator=generator)
    sigmas = torch.sigmoid(torch.randn((count,), generator=generator))
    mu = _shift(base, latents)
    return math.exp(mu) / (math.exp(mu) + (1 / sigmas - 1))


def at_level(base, timesteps: tuple[int, ...]) -> torch.Tensor:
    """Evaluation timesteps given on DDPM's scale (0-1000), in this family's units."""
    values = torch.tensor(timesteps)
    return values.float() / 1000 if base.family.flow else values


def noised(base, latents: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    if base.family.flow:
        s = t.to(latents)[:, None, None, None]
        return (1 - s) * latents + s * noise
    return base.noise_scheduler.add_noise(latents, noise, t)


def target(base, latents: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    if base.family.flow:
        return noise - latents
    if base.noise_scheduler.config.prediction_type == "v_prediction":
        return base.noise_scheduler.get_velocity(latents, noise, t)
    return noise


def predict(
    base, noisy: torch.Tensor, t: torch.Tensor, text: tuple, sizes: torch.Tensor | None = None
) -> torch.Tensor:
    """The denoiser's prediction for `noisy` latents (B, C, H, W) at `t` given `text`;
    `sizes`: SDXL's size conditioning per row (`size_ids`), else uncropped."""
    hidden, pooled = text
    if base.family.flow:
        return _flux(base, noisy, t, hidden, pooled)
    if pooled is None:
        return base.denoiser(noisy, t, encoder_hidden_states=hidden).sample
    if sizes is None:
        sizes = uncropped(base, noisy)
    time_ids = sizes.to(pooled.device, pooled.dtype)
    return base.denoiser(
        noisy,
        t,
        encoder_hidden_states=hidden,
        added_cond_kwargs={"text_embeds": pooled, "time_ids": time_ids},
    ).sample


def size_ids(base, cuts: list, images: list) -> torch.Tensor | None:
    """SDXL's size conditioning of each training square, from where the dataset cut it
    (`cuts`: (original size, crop top-left) per image, None where it did not say): the
    photo's (height, width), the crop's (top, left) scaled to the square as it trains, and
    the square's side twice, as SDXL was trained (diffusers train_text_to_image_sdxl.py).
    None for the other families."""
    if base.family.name != "sdxl":
        return None
    side, rows = base.resolution, []
    for (original, corner), image in zip(cuts, images, strict=True):
        scale = side / image.width  # the square as stored → as it trains
        top, left = (round(c * scale) for c in corner) if corner else (0, 0)
        rows.append([*(original or (side, side)), top, left, side, side])
    return torch.tensor(rows, dtype=torch.float32)


def uncropped(base, latents: torch.Tensor) -> torch.Tensor:
    """SDXL's size conditioning of whole pictures the size of `latents`."""
    high, wide = (side * base.vae_scale_factor for side in latents.shape[-2:])
    return torch.tensor([[high, wide, 0, 0, high, wide]] * len(latents), dtype=torch.float32)


def _flux(base, noisy, sigmas, hidden, pooled) -> torch.Tensor:
    batch, channels, high, wide = noisy.shape
    packed = FluxPipeline._pack_latents(noisy, batch, channels, high, wide)
    device, dtype = noisy.device, hidden.dtype
    image_ids = FluxPipeline._prepare_latent_image_ids(batch, high // 2, wide // 2, device, dtype)
    text_ids = torch.zeros(hidden.shape[1], 3, device=device, dtype=dtype)
    guidance = None
    if base.denoiser.config.guidance_embeds:
        guidance = torch.full((batch,), FLUX_TRAINING_GUIDANCE, device=device)
    predicted = base.denoiser(
        hidden_states=packed.to(base.dtype),
        timestep=sigmas.to(device, noisy.dtype),
        guidance=guidance,
        pooled_projections=pooled,
        encoder_hidden_states=hidden,
        txt_ids=text_ids,
        img_ids=image_ids,
        return_dict=False,
    )[0]
    return FluxPipeline._unpack_latents(
        predicted, high * base.vae_scale_factor, wide * base.vae_scale_factor, base.vae_scale_factor
    )


def _shift(base, latents: torch.Tensor) -> float:
    """FLUX's mu for an image of this latent size (its scheduler's dynamic shift)."""
    config = base.noise_scheduler.config
    if not config.get("use_dynamic_shifting"):
        return math.log(config.get("shift", 1.0))
    tokens = (latents.shape[-2] // 2) * (latents.shape[-1] // 2)
    slope = (config.max_shift - config.base_shift) / (
        config.max_image_seq_len - config.base_image_seq_len
    )
    return config.base_shift + slope * (tokens - config.base_image_seq_len)
