"""Load a base text-to-image model (a diffusers model id or a local path) for LoRA training.

Two families, told apart by the model's `model_index.json`:
- Stable Diffusion 1.x/2.x: tokenizer, CLIP text encoder, AutoencoderKL,
  UNet2DConditionModel and a scheduler, each in its subfolder. The project's own small model
  uses this layout, so this is the code a GPU pod runs for SD-1.5.
- SDXL: a second tokenizer and text encoder (with projection), whose pooled output and the
  image's size/crop ("time ids") condition the UNet as well.
"""

from dataclasses import dataclass, field

import torch
from diffusers import AutoencoderKL, DDPMScheduler, DiffusionPipeline, UNet2DConditionModel
from transformers import CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer

from contracts.sampling import Sampling
from trainer.engine.prior import prior_prompts


@dataclass
class LoadedBase:
    """A base text-to-image model loaded for training: its parts, where they run, in what dtype.
    (Not "BaseModel": that is pydantic's, and in this product a model is a trained one.)"""

    name: str
    tokenizer: CLIPTokenizer
    text_encoder: CLIPTextModel
    vae: AutoencoderKL
    unet: UNet2DConditionModel
    noise_scheduler: DDPMScheduler
    device: torch.device
    dtype: torch.dtype
    """Dtype the frozen weights run in: bf16 on a GPU, fp32 on a CPU."""
    prior_prompts: list[str] = field(default_factory=list)
    """Keyword-free prompts whose answers training preserves (engine/prior.py)."""
    tokenizer_2: CLIPTokenizer | None = None
    text_encoder_2: CLIPTextModelWithProjection | None = None
    """SDXL's second text encoder; None for SD 1.x/2.x."""
    sampling: Sampling = field(default_factory=Sampling)
    """How inference draws from this model; previews draw the same way."""

    @property
    def is_xl(self) -> bool:
        return self.text_encoder_2 is not None

    @property
    def encoders(self) -> list[torch.nn.Module]:
        return [m for m in (self.vae, self.text_encoder, self.text_encoder_2) if m is not None]

    @property
    def vae_scale_factor(self) -> int:
        return 2 ** (len(self.vae.config.block_out_channels) - 1)

    @property
    def resolution(self) -> int:
        """The native image side the UNet was trained at (512 for SD-1.5, 64 for ours)."""
        return self.unet.config.sample_size * self.vae_scale_factor


def pick_device(requested: str = "auto") -> torch.device:
    if requested != "auto":
        return torch.device(requested)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def load_base(name: str, device: torch.device, sampling: Sampling | None = None) -> LoadedBase:
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    kwargs = {"dtype": dtype}
    xl = "text_encoder_2" in DiffusionPipeline.load_config(name)
    model = LoadedBase(
        name=name,
        tokenizer=CLIPTokenizer.from_pretrained(name, subfolder="tokenizer"),
        text_encoder=CLIPTextModel.from_pretrained(name, subfolder="text_encoder", **kwargs),
        vae=AutoencoderKL.from_pretrained(name, subfolder="vae", **kwargs),
        unet=UNet2DConditionModel.from_pretrained(name, subfolder="unet", **kwargs),
        noise_scheduler=DDPMScheduler.from_pretrained(name, subfolder="scheduler"),
        device=device,
        dtype=dtype,
        prior_prompts=prior_prompts(name),
        sampling=sampling or Sampling(),
    )
    if xl:
        model.tokenizer_2 = CLIPTokenizer.from_pretrained(name, subfolder="tokenizer_2")
        model.text_encoder_2 = CLIPTextModelWithProjection.from_pretrained(
            name, subfolder="text_encoder_2", **kwargs
        )
    for module in (*model.encoders, model.unet):
        module.requires_grad_(False)
        module.to(device)
        module.eval()
    return model
