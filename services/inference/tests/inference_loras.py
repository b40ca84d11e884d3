"""LoRA files for tests that need a model without training one."""

import tempfile
from pathlib import Path

import torch
from diffusers import StableDiffusionPipeline
from peft import LoraConfig
from peft.utils import get_peft_model_state_dict

from aitrain_basemodel import COMMITTED_MODEL


def a_lora() -> bytes:
    """A LoRA file in the layout the trainer writes, with random (non-zero) weights."""
    torch.manual_seed(0)
    pipeline = StableDiffusionPipeline.from_pretrained(COMMITTED_MODEL)
    pipeline.unet.add_adapter(LoraConfig(r=4, lora_alpha=4, target_modules=["to_q", "to_v"]))
    for name, parameter in pipeline.unet.named_parameters():
        if "lora_B" in name:
            parameter.data.normal_(0, 0.2)
    with tempfile.TemporaryDirectory() as folder:
        StableDiffusionPipeline.save_lora_weights(
            folder, unet_lora_layers=get_peft_model_state_dict(pipeline.unet)
        )
        return (Path(folder) / "pytorch_lora_weights.safetensors").read_bytes()
