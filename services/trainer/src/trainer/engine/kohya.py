"""The LoRA in the kohya key layout, which ComfyUI's and AUTOMATIC1111's LoRA loaders read.

Only names change; the tensors are the same numbers. A diffusers key
`unet.<module path>.lora_A.weight` becomes `lora_unet_<module path, dots as _>.lora_down.weight`
(`lora_B` → `lora_up`), a text encoder's `lora_te_text_model_<path>`, and each module gets an
`.alpha`: kohya scales a LoRA by alpha / rank as peft does by lora_alpha / r, so alpha is the
adapter's lora_alpha. The `aitrain.*` metadata (base model, rank, keyword, type, steps) is
kept; diffusers' own adapter config is not, it describes diffusers' names.
"""

import json

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


def kohya_file(diffusers_lora: bytes) -> bytes:
    """The diffusers LoRA file (engine/weights.py `lora_file`) in the kohya layout."""
    metadata = metadata_of(diffusers_lora)
    adapters = json.loads(metadata.pop(_ADAPTER, "{}"))
    tensors: dict[str, torch.Tensor] = {}
    for key, tensor in load(diffusers_lora).items():
        model, _, rest = key.partition(".")
        module, half = _split(key, rest)
        name = kohya_name(model, module)
        tensors[name + half] = tensor
        if half == ".lora_down.weight":  # one alpha per module
            alpha = _alpha(adapters, model, tensor)
            tensors[name + ".alpha"] = torch.tensor(float(alpha))
            if model == "unet":  # kohya's own entries, which the web UIs show
                metadata["ss_network_dim"] = str(len(tensor))
                metadata["ss_network_alpha"] = str(alpha)
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


def _split(key: str, rest: str) -> tuple[str, str]:
    for diffusers, kohya in _HALVES.items():
        if rest.endswith(diffusers):
            return rest.removesuffix(diffusers), kohya
    raise ValueError(f"not a LoRA weight of a known layout: {key}")


def _alpha(adapters: dict, model: str, down: torch.Tensor) -> float:
    """peft's lora_alpha for the model (the file's adapter config); the rank when it is not
    written down, which is how diffusers reads such a file (scale 1)."""
    if adapters.get(f"{model}.alpha_pattern") or adapters.get(f"{model}.use_rslora"):
        raise ValueError(f"{model}: per-module alphas or rsLoRA have no kohya equivalent here")
    return adapters.get(f"{model}.lora_alpha") or down.shape[0]
