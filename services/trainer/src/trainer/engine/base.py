"""Load a base text-to-image model (a diffusers model id or a local path) for LoRA training.

The Stable Diffusion 1.x/2.x layout is supported: tokenizer, CLIP text encoder, AutoencoderKL,
UNet2DConditionModel and a scheduler, each in its subfolder. The project's own small model
uses that layout, so the loading code here is the one a GPU pod uses for SD-1.5.
"""

from dataclasses import dataclass

import torch
from diffusers import AutoencoderKL, DDPMScheduler, UNet2DConditionModel
from transformers import CLIPTextModel, CLIPTokenizer


@dataclass
class BaseModel:
    name: str
    tokenizer: CLIPTokenizer
    text_encoder: CLIPTextModel
    vae: AutoencoderKL
    unet: UNet2DConditionModel
    noise_scheduler: DDPMScheduler
    device: torch.device
    dtype: torch.dtype
    """Dtype the frozen weights run in: bf16 on a GPU, fp32 on a CPU."""

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


def load_base(name: str, device: torch.device) -> BaseModel:
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    kwargs = {"torch_dtype": dtype}
    model = BaseModel(
        name=name,
        tokenizer=CLIPTokenizer.from_pretrained(name, subfolder="tokenizer"),
        text_encoder=CLIPTextModel.from_pretrained(name, subfolder="text_encoder", **kwargs),
        vae=AutoencoderKL.from_pretrained(name, subfolder="vae", **kwargs),
        unet=UNet2DConditionModel.from_pretrained(name, subfolder="unet", **kwargs),
        noise_scheduler=DDPMScheduler.from_pretrained(name, subfolder="scheduler"),
        device=device,
        dtype=dtype,
    )
    for module in (model.text_encoder, model.vae, model.unet):
        module.requires_grad_(False)
        module.to(device)
        module.eval()
    return model
