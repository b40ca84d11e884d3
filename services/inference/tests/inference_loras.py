"""LoRA files for tests that need a model without training one."""

import tempfile
from pathlib import Path

import torch
from diffusers import StableDiffusionPipeline
from peft import LoraConfig, inject_adapter_in_model
from peft.utils import get_peft_model_state_dict

from aitrain_basemodel import COMMITTED_MODEL


def a_lora(seed: int = 0, text_encoder: bool = False) -> bytes:
    """A LoRA file in the layout the trainer writes, with random (non-zero) weights; with
    `text_encoder`, an adapter on the text encoder too (as the character and object presets)."""
    torch.manual_seed(seed)
    pipeline = StableDiffusionPipeline.from_pretrained(COMMITTED_MODEL)
    pipeline.unet.add_adapter(LoraConfig(r=4, lora_alpha=4, target_modules=["to_q", "to_v"]))
    layers = {}
    if text_encoder:
        config = LoraConfig(r=4, lora_alpha=4, target_modules=["q_proj", "v_proj"])
        inject_adapter_in_model(config, pipeline.text_encoder)
        layers["text_encoder_lora_layers"] = get_peft_model_state_dict(pipeline.text_encoder)
    for model in (pipeline.unet, pipeline.text_encoder):
        for name, parameter in model.named_parameters():
            if "lora_B" in name:
                parameter.data.normal_(0, 0.2)
    with tempfile.TemporaryDirectory() as folder:
        StableDiffusionPipeline.save_lora_weights(
            folder,
            unet_lora_layers=get_peft_model_state_dict(pipeline.unet),
            **{name: get_peft_model_state_dict(pipeline.text_encoder) for name in layers},
        )
        return (Path(folder) / "pytorch_lora_weights.safetensors").read_bytes()
