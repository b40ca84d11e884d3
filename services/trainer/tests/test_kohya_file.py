"""The LoRA in the kohya layout (engine/kohya.py) is the same model as the diffusers file:
diffusers loads both and draws the same images, its keys are the names ComfyUI's LoRA loader
maps, and applying it the way ComfyUI does draws those images too."""

import io
import re

import pytest
import torch
from diffusers import StableDiffusionPipeline
from PIL import Image
from safetensors.torch import load
from trainer_scenes import training_set

from aitrain_basemodel import COMMITTED_MODEL
from trainer.domain.plan import Plan
from trainer.engine.base import load_base
from trainer.engine.kohya import kohya_file
from trainer.engine.lora import LoraTraining
from trainer.engine.weights import lora_file, metadata_of, read_facts

FACTS = {"base_model": "aitrain/tiny-sd", "rank": 4, "text_encoder_rank": 4, "keyword": "zxq",
         "training_type": "object", "steps": 6}  # fmt: skip
PROMPT = "a zxq on a blue background"

# ComfyUI's rules, restated from comfy/lora.py (`model_lora_keys_unet`, `model_lora_keys_clip`,
# `load_lora`) and comfy/utils.py (`unet_to_diffusers`, `TRANSFORMER_BLOCKS`) of
# github.com/comfyanonymous/ComfyUI: a UNet key is "lora_unet_" + a diffusers weight name of a
# transformer block inside down_blocks.X.attentions.I / mid_block.attentions.0 /
# up_blocks.X.attentions.I, less ".weight", dots as underscores; a CLIP key is
# "lora_te_text_model_encoder_layers_{b}_" + LORA_CLIP_MAP's value; each module's tensors
# are "<key>.lora_up.weight", "<key>.lora_down.weight" and "<key>.alpha"; any other key is
# "lora key not loaded".
COMFY_ATTENTIONS = (
    r"(down_blocks\.\d+\.attentions\.\d+|mid_block\.attentions\.0|up_blocks\.\d+\.attentions\.\d+)"
)
COMFY_TRANSFORMER_LINEARS = ["attn1.to_q", "attn1.to_k", "attn1.to_v", "attn1.to_out.0",
                             "attn2.to_q", "attn2.to_k", "attn2.to_v", "attn2.to_out.0",
                             "ff.net.0.proj", "ff.net.2"]  # fmt: skip
COMFY_CLIP_MAP = {"mlp.fc1": "mlp_fc1", "mlp.fc2": "mlp_fc2",
                  "self_attn.k_proj": "self_attn_k_proj", "self_attn.q_proj": "self_attn_q_proj",
                  "self_attn.v_proj": "self_attn_v_proj",
                  "self_attn.out_proj": "self_attn_out_proj"}  # fmt: skip


def comfy_key_map(pipeline) -> dict[str, torch.nn.Linear]:
    """The LoRA names ComfyUI maps for this model, each with the layer it patches."""
    keys = {}
    linear = "|".join(re.escape(name) for name in COMFY_TRANSFORMER_LINEARS)
    block = re.compile(rf"{COMFY_ATTENTIONS}\.transformer_blocks\.\d+\.({linear})")
    for name, module in pipeline.unet.named_modules():
        if block.fullmatch(name):
            keys["lora_unet_" + name.replace(".", "_")] = module
    clip = pipeline.text_encoder
    clip = getattr(clip, "text_model", clip)  # transformers 4 nests the layers one deeper
    for b, layer in enumerate(clip.encoder.layers):
        for path, name in COMFY_CLIP_MAP.items():
            keys[f"lora_te_text_model_encoder_layers_{b}_{name}"] = layer.get_submodule(path)
    return keys


@pytest.fixture(scope="module")
def files() -> tuple[bytes, bytes]:
    """A LoRA trained a few steps on the UNet and the text encoder, in both layouts."""
    base = load_base(str(COMMITTED_MODEL), torch.device("cpu"))
    items = training_set(count=4)
    images = [Image.open(io.BytesIO(data)).convert("RGB") for data, _ in items]
    captions = [text for _, text in items]
    plan = Plan(steps=6, rank=4, learning_rate=5e-2, text_encoder_rank=4,
                text_encoder_learning_rate=5e-2)  # fmt: skip
    training = LoraTraining(base, images, captions, plan)
    for _ in range(plan.steps):
        training.train_step()
    diffusers = lora_file(training, FACTS)
    training.close()
    return diffusers, kohya_file(diffusers)


def pipeline() -> StableDiffusionPipeline:
    pipe = StableDiffusionPipeline.from_pretrained(COMMITTED_MODEL, safety_checker=None)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def draw(pipe) -> torch.Tensor:
    return pipe(
        PROMPT,
        num_inference_steps=4,
        height=64,
        width=64,
        generator=torch.Generator().manual_seed(3),
        output_type="pt",
    ).images


def test_diffusers_loads_both_files_and_draws_the_same_images(files, tmp_path):
    diffusers, kohya = files
    (tmp_path / "lora.safetensors").write_bytes(diffusers)
    (tmp_path / "lora-kohya.safetensors").write_bytes(kohya)
    before = draw(pipeline())
    drawn = []
    for name in ("lora.safetensors", "lora-kohya.safetensors"):
        pipe = pipeline()
        pipe.load_lora_weights(tmp_path, weight_name=name)  # as a user would, from the file
        drawn.append(draw(pipe))
    assert (drawn[0] - before).abs().mean() > 1e-3  # the LoRA changes the picture
    assert (drawn[0] - drawn[1]).abs().max() < 1e-4  # and both files change it alike


def test_the_kohya_keys_are_the_names_comfyui_maps_with_their_metadata(files):
    diffusers, kohya = files
    tensors = load(kohya)
    known = comfy_key_map(pipeline())
    modules = {key.split(".")[0] for key in tensors}
    assert modules <= set(known)  # ComfyUI would warn "lora key not loaded" for any other
    for module in modules:
        assert {f"{module}.lora_up.weight", f"{module}.lora_down.weight", f"{module}.alpha"} <= set(
            tensors
        )
    assert len(tensors) == 3 * len(modules)
    diffusers_modules = {k.rsplit(".lora", 1)[0] for k in load(diffusers)}
    assert len(modules) == len(diffusers_modules)  # every adapter, none lost
    assert any(m.startswith("lora_unet_") for m in modules)
    assert any(m.startswith("lora_te_") for m in modules)
    assert "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_out_0" in modules

    assert read_facts(kohya) == read_facts(diffusers) == {k: str(v) for k, v in FACTS.items()}
    metadata = metadata_of(kohya)
    assert metadata["ss_network_dim"] == metadata["ss_network_alpha"] == "4"
    assert "lora_adapter_metadata" not in metadata  # diffusers' names, not this file's


def test_applied_the_way_comfyui_does_it_draws_what_diffusers_draws(files, tmp_path):
    """ComfyUI adds alpha / rank · up @ down to each mapped layer's weight."""
    diffusers, kohya = files
    tensors = load(kohya)
    comfy = pipeline()
    layers = comfy_key_map(comfy)
    with torch.no_grad():
        for module in {key.split(".")[0] for key in tensors}:
            up, down = tensors[f"{module}.lora_up.weight"], tensors[f"{module}.lora_down.weight"]
            alpha = tensors[f"{module}.alpha"].item()
            layers[module].weight += alpha / down.shape[0] * (up @ down)
    (tmp_path / "lora.safetensors").write_bytes(diffusers)
    reference = pipeline()
    reference.load_lora_weights(tmp_path, weight_name="lora.safetensors")
    assert (draw(comfy) - draw(reference)).abs().max() < 1e-4
