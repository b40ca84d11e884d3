"""The LoRA in the kohya key layout, which ComfyUI's and AUTOMATIC1111's LoRA loaders read.

SD 1.5 and SDXL: only names change; the tensors are the same numbers. A diffusers key
`unet.<module path>.lora_A.weight` becomes `lora_unet_<module path, dots as _>.lora_down.weight`
(`lora_B` → `lora_up`), a text encoder's `lora_te_text_model_<path>`, and each module gets an
`.alpha`: kohya scales a LoRA by alpha / rank as peft does by lora_alpha / r, so alpha is the
adapter's lora_alpha. (ComfyUI maps these diffusers-path names for SDXL too: `comfy/lora.py`
`model_lora_keys_unet` through `comfy/utils.py` `unet_to_diffusers`.)

FLUX.1: kohya's names are those of the original (Black Forest Labs) checkpoint, where a
block's q, k and v are one fused layer (`double_blocks.N.img_attn.qkv`; a single block's
`linear1` holds q, k, v and the MLP's input). The LoRAs of the fused parts become one LoRA
of their sum: downs stacked, ups block-diagonal, alpha times the parts so alpha / rank stays
the same. ComfyUI maps `lora_unet_<original path>` to the weight itself (`model_lora_keys_unet`),
and diffusers' reader splits such a block-diagonal LoRA back exactly
(`lora_conversion_utils._convert_to_ai_toolkit_cat`, "sparse").

The `aitrain.*` metadata (base model, rank, keyword, type, steps) is kept; diffusers' own
adapter config is not, it describes diffusers' names.
"""

import json
import re

import torch
from safetensors.torch import load, save

from trainer.engine.weights import canonical, metadata_of

_ADAPTER = "lora_adapter_metadata"
# diffusers' halves of a LoRA module, in the peft spelling and the older diffusers one
_HALVES = {
    ".lora_A.weight": ".lora_down.weight",
    ".lora_B.weight": ".lora_up.weight",
    ".lora_linear_layer.down.weight": ".lora_down.weight",
    ".lora_linear_layer.up.weight": ".lora_up.weight",
}
_PREFIXES = {"unet": "lora_unet_", "text_encoder": "lora_te_"}

# FLUX: diffusers' module in a block → (the original checkpoint's layer, slot in it, slots)
_FLUX_DOUBLE = {
    "attn.to_q": ("img_attn.qkv", 0, 3),
    "attn.to_k": ("img_attn.qkv", 1, 3),
    "attn.to_v": ("img_attn.qkv", 2, 3),
    "attn.add_q_proj": ("txt_attn.qkv", 0, 3),
    "attn.add_k_proj": ("txt_attn.qkv", 1, 3),
    "attn.add_v_proj": ("txt_attn.qkv", 2, 3),
    "attn.to_out.0": ("img_attn.proj", 0, 1),
    "attn.to_add_out": ("txt_attn.proj", 0, 1),
    "ff.net.0.proj": ("img_mlp.0", 0, 1),
    "ff.net.2": ("img_mlp.2", 0, 1),
    "ff_context.net.0.proj": ("txt_mlp.0", 0, 1),
    "ff_context.net.2": ("txt_mlp.2", 0, 1),
    "norm1.linear": ("img_mod.lin", 0, 1),
    "norm1_context.linear": ("txt_mod.lin", 0, 1),
}
_FLUX_SINGLE = {
    "attn.to_q": ("linear1", 0, 4),
    "attn.to_k": ("linear1", 1, 4),
    "attn.to_v": ("linear1", 2, 4),
    "proj_mlp": ("linear1", 3, 4),
    "proj_out": ("linear2", 0, 1),
    "norm.linear": ("modulation.lin", 0, 1),
}
_FLUX_BLOCK = re.compile(r"(transformer_blocks|single_transformer_blocks)\.(\d+)\.(.+)")
MLP_RATIO = 4
"""FLUX's MLP is 4 times the width: the size of linear1's MLP slot when it has no LoRA."""


def kohya_file(diffusers_lora: bytes) -> bytes:
    """The diffusers LoRA file (engine/weights.py `lora_file`) in the kohya layout."""
    metadata = metadata_of(diffusers_lora)
    adapters = json.loads(metadata.pop(_ADAPTER, "{}"))
    modules: dict[tuple[str, str], dict[str, torch.Tensor]] = {}
    for key, tensor in load(diffusers_lora).items():
        model, _, rest = key.partition(".")
        module, half = _split(key, rest)
        modules.setdefault((model, module), {})[half] = tensor
    if any(model == "transformer" for model, _ in modules):
        tensors = _flux(modules, adapters)
    else:
        tensors = {}
        for (model, module), halves in modules.items():
            name = kohya_name(model, module)
            tensors |= {name + half: tensor for half, tensor in halves.items()}
            tensors[name + ".alpha"] = torch.tensor(float(_alpha(adapters, model, halves)))
    rank, alpha = _denoiser_rank_alpha(modules, adapters)
    metadata |= {"ss_network_dim": str(rank), "ss_network_alpha": str(alpha)}  # the UIs show
    metadata["ss_network_module"] = "networks.lora"
    return canonical(save(tensors, metadata=metadata))


def kohya_name(model: str, module: str) -> str:
    """`lora_unet_…` / `lora_te_text_model_…` for a module path of the diffusers UNet or of
    transformers' CLIP text model (whose path starts at `text_model.` in transformers < 5)."""
    if model not in _PREFIXES:
        raise ValueError(f"no kohya name for a LoRA on {model!r} (only unet and text_encoder)")
    if model == "text_encoder" and not module.startswith("text_model."):
        module = f"text_model.{module}"
    return _PREFIXES[model] + module.replace(".", "_")


def flux_target(module: str) -> tuple[str, int, int]:
    """The original checkpoint's layer for a diffusers FLUX transformer module, its slot in
    that layer and the layer's slot count (3 for qkv, 4 for linear1, else 1)."""
    matched = _FLUX_BLOCK.fullmatch(module)
    table = _FLUX_DOUBLE if matched and matched[1] == "transformer_blocks" else _FLUX_SINGLE
    if not matched or matched[3] not in table:
        raise ValueError(f"no kohya name for the FLUX module {module!r}")
    layer, slot, slots = table[matched[3]]
    block = "double_blocks" if matched[1] == "transformer_blocks" else "single_blocks"
    return f"{block}.{matched[2]}.{layer}", slot, slots


def _flux(modules: dict, adapters: dict) -> dict[str, torch.Tensor]:
    fused: dict[str, dict[int, dict[str, torch.Tensor]]] = {}
    slot_count: dict[str, int] = {}
    for (model, module), halves in modules.items():
        if model != "transformer":
            raise ValueError(f"no kohya name for a FLUX LoRA on {model!r}")
        layer, slot, slots = flux_target(module)
        fused.setdefault(layer, {})[slot] = halves
        slot_count[layer] = slots
    tensors = {}
    for layer, parts in fused.items():
        slots = slot_count[layer]
        alpha = _alpha(adapters, "transformer", next(iter(parts.values())))
        down, up = _stack(parts, slots)
        name = "lora_unet_" + layer.replace(".", "_")
        tensors[name + ".lora_down.weight"] = down
        tensors[name + ".lora_up.weight"] = up
        tensors[name + ".alpha"] = torch.tensor(float(alpha * slots))
    return tensors


def _stack(parts: dict[int, dict[str, torch.Tensor]], slots: int):
    """One LoRA whose product is each part's product in its slot's rows: downs stacked, ups
    block-diagonal; a slot without a LoRA (linear1's MLP) gets zeros."""
    any_part = next(iter(parts.values()))
    rank, inputs = any_part[".lora_down.weight"].shape
    width = any_part[".lora_up.weight"].shape[0]  # q, k and v are the block's width
    downs, ups = [], []
    for slot in range(slots):
        part = parts.get(slot)
        rows = width * MLP_RATIO if slot == 3 else width
        downs.append(part[".lora_down.weight"] if part else torch.zeros(rank, inputs))
        ups.append(part[".lora_up.weight"] if part else torch.zeros(rows, rank))
    return torch.cat(downs), torch.block_diag(*ups)


def _split(key: str, rest: str) -> tuple[str, str]:
    for diffusers, kohya in _HALVES.items():
        if rest.endswith(diffusers):
            return rest.removesuffix(diffusers), kohya
    raise ValueError(f"not a LoRA weight of a known layout: {key}")


def _alpha(adapters: dict, model: str, halves: dict[str, torch.Tensor]) -> float:
    """peft's lora_alpha for the model (the file's adapter config); the rank when it is not
    written down, which is how diffusers reads such a file (scale 1)."""
    if adapters.get(f"{model}.alpha_pattern") or adapters.get(f"{model}.use_rslora"):
        raise ValueError(f"{model}: per-module alphas or rsLoRA have no kohya equivalent here")
    return adapters.get(f"{model}.lora_alpha") or halves[".lora_down.weight"].shape[0]


def _denoiser_rank_alpha(modules: dict, adapters: dict) -> tuple[int, float]:
    for (model, _), halves in modules.items():
        if model in ("unet", "transformer"):
            return halves[".lora_down.weight"].shape[0], _alpha(adapters, model, halves)
    raise ValueError("the LoRA has no adapter on the UNet or the transformer")
