"""LoRA files for tests that need a model without training one."""

import tempfile
from pathlib import Path

import torch
from diffusers import DiffusionPipeline
from peft import LoraConfig, inject_adapter_in_model
from peft.utils import get_peft_model_state_dict

from aitrain_basemodel import COMMITTED_MODEL

# the trainer's targets (trainer/engine/families.py), a few of them
TARGETS = {"unet": ["to_q", "to_v"], "transformer": ["attn.to_q", "attn.to_v", "ff.net.2"]}


def a_lora(seed: int = 0, text_encoder: bool = False, base=COMMITTED_MODEL) -> bytes:
    """A LoRA file in the layout the trainer writes for `base`'s family, with random
    (non-zero) weights; with `text_encoder`, an adapter on the text encoder too (as the SD
    character and object presets)."""
    torch.manual_seed(seed)
    pipeline = DiffusionPipeline.from_pretrained(base)
    denoiser_name = "transformer" if "transformer" in pipeline.components else "unet"
    denoiser = getattr(pipeline, denoiser_name)
    denoiser.add_adapter(LoraConfig(r=4, lora_alpha=4, target_modules=TARGETS[denoiser_name]))
    layers = {}
    if text_encoder:
        config = LoraConfig(r=4, lora_alpha=4, target_modules=["q_proj", "v_proj"])
        inject_adapter_in_model(config, pipeline.text_encoder)
    for model in (denoiser, pipeline.text_encoder):
        for name, parameter in model.named_parameters():
            if "lora_B" in name:
                parameter.data.normal_(0, 0.2)
    if text_encoder:
        layers["text_encoder_lora_layers"] = get_peft_model_state_dict(pipeline.text_encoder)
    with tempfile.TemporaryDirectory() as folder:
        type(pipeline).save_lora_weights(
            folder,
            **{f"{denoiser_name}_lora_layers": get_peft_model_state_dict(denoiser)},
            **layers,
        )
        return (Path(folder) / "pytorch_lora_weights.safetensors").read_bytes()
