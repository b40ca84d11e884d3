"""Load a base text-to-image model (a diffusers model id or a local path) for LoRA training.

Three families, told apart by the model's `model_index.json` (engine/families.py):
- Stable Diffusion 1.x/2.x: tokenizer, CLIP text encoder, AutoencoderKL,
  UNet2DConditionModel and a scheduler, each in its subfolder. The project's own small model
  uses this layout, so this is the code a GPU pod runs for SD-1.5.
- SDXL: a second tokenizer and text encoder (with projection), whose pooled output and the
  image's size/crop ("time ids") condition the UNet as well.
- FLUX.1: CLIP and T5 text encoders, a FluxTransformer2DModel as the denoiser and a
  flow-matching scheduler.
"""

from dataclasses import dataclass, field

import diffusers
import torch
import transformers
from diffusers import AutoencoderKL, DiffusionPipeline
from transformers import CLIPTextModel, CLIPTokenizer

from contracts.safety import ImageCheck, NoCheck, image_check
from contracts.sampling import Sampling
from trainer.engine.families import Family, family_of
from trainer.engine.prior import prior_prompts

PARTS = ("tokenizer", "text_encoder", "vae", "scheduler", "tokenizer_2", "text_encoder_2")
"""What training reads of a pipeline folder, besides the denoiser (never a safety checker)."""


@dataclass
class LoadedBase:
    """A base text-to-image model loaded for training: its parts, where they run, in what dtype.
    (Not "BaseModel": that is pydantic's, and in this product a model is a trained one.)"""

    name: str
    family: Family
    tokenizer: CLIPTokenizer
    text_encoder: CLIPTextModel
    vae: AutoencoderKL
    denoiser: torch.nn.Module
    """The UNet (SD, SDXL) or the transformer (FLUX): what the LoRA adapts."""
    noise_scheduler: object
    device: torch.device
    dtype: torch.dtype
    """Dtype the frozen weights run in: bf16 on a GPU, fp32 on a CPU."""
    prior_prompts: list[str] = field(default_factory=list)
    """Keyword-free prompts whose answers training preserves (engine/prior.py)."""
    tokenizer_2: object | None = None
    text_encoder_2: torch.nn.Module | None = None
    """SDXL's second CLIP text encoder or FLUX's T5; None for SD 1.x/2.x."""
    sampling: Sampling = field(default_factory=Sampling)
    """How inference draws from this model; previews draw the same way."""
    native_side: int = 0
    """The image side the model was trained at; 0: read from the model (the UNet's sample
    size; FLUX's pipeline default)."""
    check: ImageCheck = field(default_factory=NoCheck)
    """What a preview passes before it is shown: the base's own safety checker, if any."""

    @property
    def encoders(self) -> list[torch.nn.Module]:
        return [m for m in (self.vae, self.text_encoder, self.text_encoder_2) if m is not None]

    @property
    def vae_scale_factor(self) -> int:
        return 2 ** (len(self.vae.config.block_out_channels) - 1)

    @property
    def size_multiple(self) -> int:
        """Image sides must be multiples of this: the VAE's factor, twice it for FLUX's
        2 x 2 packing."""
        return self.vae_scale_factor * (2 if self.family.flow else 1)

    @property
    def resolution(self) -> int:
        """The native image side (512 for SD-1.5, 1024 for SDXL and FLUX.1, 64 for ours)."""
        if self.native_side:
            return self.native_side
        if self.family.flow:
            return self.family.pipeline.default_sample_size * self.vae_scale_factor
        return self.denoiser.config.sample_size * self.vae_scale_factor


def pick_device(requested: str = "auto") -> torch.device:
    if requested != "auto":
        return torch.device(requested)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def load_base(
    name: str,
    device: torch.device,
    sampling: Sampling | None = None,
    native_side: int = 0,
    safety_check: bool = True,
) -> LoadedBase:
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    index = DiffusionPipeline.load_config(name)
    family = family_of(index)
    parts = {
        part: _part(name, part, index[part], dtype)
        for part in (*PARTS, family.denoiser)
        if part in index and index[part][0] is not None
    }
    model = LoadedBase(
        name=name,
        family=family,
        tokenizer=parts["tokenizer"],
        text_encoder=parts["text_encoder"],
        vae=parts["vae"],
        denoiser=parts[family.denoiser],
        noise_scheduler=parts["scheduler"],
        device=device,
        dtype=dtype,
        prior_prompts=prior_prompts(name),
        tokenizer_2=parts.get("tokenizer_2"),
        text_encoder_2=parts.get("text_encoder_2"),
        sampling=sampling or Sampling(),
        native_side=native_side,
        check=image_check(name, index, device, dtype, safety_check),
    )
    for module in (*model.encoders, model.denoiser):
        module.requires_grad_(False)
        module.to(device)
        module.eval()
    return model


def _part(name: str, part: str, library_class: list[str], dtype: torch.dtype):
    """One part of the folder, made by the class `model_index.json` names for it."""
    library, class_name = library_class
    if part == "scheduler" and class_name != "FlowMatchEulerDiscreteScheduler":
        class_name = "DDPMScheduler"  # training adds noise the DDPM way, whatever samples
    made = getattr(diffusers if library == "diffusers" else transformers, class_name)
    if part.startswith("tokenizer") or part == "scheduler":
        return made.from_pretrained(name, subfolder=part)
    return made.from_pretrained(name, subfolder=part, dtype=dtype)
