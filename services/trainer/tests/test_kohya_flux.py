"""FLUX.1's LoRA in the kohya layout, at FLUX.1-dev's real shapes (only the LoRA's own
tensors are made; the transformer is laid out on the meta device): every name is one ComfyUI
maps to a weight of that size, and diffusers' kohya reader gives back each module's LoRA
exactly (the tiny test model cannot be read that way: diffusers' reader assumes FLUX.1's
width of 3072)."""

import json

import pytest
import torch
from diffusers import FluxPipeline, FluxTransformer2DModel
from safetensors.torch import load, save

from aitrain_basemodel.bases import real_parts
from trainer.engine.families import FLUX_TARGETS
from trainer.engine.kohya import kohya_file
from trainer.engine.weights import metadata_of

RANK, ALPHA = 4, 8
WIDTH, DOUBLE, SINGLE = 3072, 19, 38

# ComfyUI's names for FLUX.1, restated from comfy/lora.py `model_lora_keys_unet` (every
# state-dict weight `diffusion_model.<path>.weight` is mapped by "lora_unet_" + <path> with
# dots as underscores) and the layers of comfy/ldm/flux/layers.py (DoubleStreamBlock:
# img_attn.qkv (3h), img_attn.proj, img_mlp.0 (4h), img_mlp.2, img_mod.lin (6h), the same
# for txt_; SingleStreamBlock: linear1 (3h + 4h), linear2, modulation.lin (3h)):
# name → (out, in) of the weight it patches; a LoRA's up @ down must have that shape.
DOUBLE_LAYERS = {"img_attn_qkv": (3 * WIDTH, WIDTH), "img_attn_proj": (WIDTH, WIDTH),
                 "img_mlp_0": (4 * WIDTH, WIDTH), "img_mlp_2": (WIDTH, 4 * WIDTH),
                 "img_mod_lin": (6 * WIDTH, WIDTH)}  # fmt: skip
SINGLE_LAYERS = {"linear1": (7 * WIDTH, WIDTH), "linear2": (WIDTH, 5 * WIDTH),
                 "modulation_lin": (3 * WIDTH, WIDTH)}  # fmt: skip


def comfy_flux_keys() -> dict[str, tuple[int, int]]:
    keys = {}
    for i in range(DOUBLE):
        for name, shape in DOUBLE_LAYERS.items():
            for stream in ("img", "txt"):
                keys[f"lora_unet_double_blocks_{i}_{name.replace('img', stream)}"] = shape
    for i in range(SINGLE):
        for name, shape in SINGLE_LAYERS.items():
            keys[f"lora_unet_single_blocks_{i}_{name}"] = shape
    return keys


@pytest.fixture(scope="module")
def files() -> tuple[dict[str, torch.Tensor], bytes]:
    """A random LoRA on every module the trainer targets in FLUX.1-dev, in diffusers' layout
    (as engine/weights.py writes it), and the kohya file made from it."""
    with torch.device("meta"):
        transformer = FluxTransformer2DModel(**real_parts("flux")["transformer"])
    generator = torch.Generator().manual_seed(0)
    tensors = {}
    for name, module in transformer.named_modules():
        if isinstance(module, torch.nn.Linear) and any(name.endswith(t) for t in FLUX_TARGETS):
            a = torch.randn((RANK, module.in_features), generator=generator)
            b = torch.randn((module.out_features, RANK), generator=generator)
            tensors[f"transformer.{name}.lora_A.weight"] = a
            tensors[f"transformer.{name}.lora_B.weight"] = b
    adapter = {"transformer.r": RANK, "transformer.lora_alpha": ALPHA}
    metadata = {"lora_adapter_metadata": json.dumps(adapter), "aitrain.keyword": "zxq"}
    return tensors, kohya_file(save(tensors, metadata=metadata))


def test_every_name_is_one_comfyui_maps_to_a_weight_of_its_size(files):
    _, kohya = files
    tensors, known = load(kohya), comfy_flux_keys()
    modules = {key.split(".")[0] for key in tensors}
    assert modules <= set(known)  # any other would be "lora key not loaded"
    assert len(tensors) == 3 * len(modules)
    for module in modules:
        up, down = tensors[f"{module}.lora_up.weight"], tensors[f"{module}.lora_down.weight"]
        assert (up.shape[0], down.shape[1]) == known[module], module
    # q, k, v of both streams are one layer; a single block's q, k, v (and MLP) are linear1
    assert "lora_unet_double_blocks_0_img_attn_qkv" in modules
    assert "lora_unet_double_blocks_18_txt_attn_qkv" in modules
    assert "lora_unet_single_blocks_37_linear1" in modules
    assert len(modules) == DOUBLE * 8 + SINGLE  # 4 attention + 4 MLP layers; linear1
    metadata = metadata_of(kohya)
    assert (metadata["ss_network_dim"], metadata["ss_network_alpha"]) == ("4", "8")
    assert metadata["aitrain.keyword"] == "zxq"


def test_applied_as_comfyui_does_each_layer_changes_as_the_diffusers_file_does(files):
    """ComfyUI adds alpha / rank · up @ down to the fused weight; diffusers' modules are
    slices of it (comfy/utils.py `flux_to_diffusers`: to_q rows 0..h, to_k h..2h, to_v
    2h..3h of qkv; proj_mlp rows 3h..7h of linear1). Compared on a random probe, as below."""
    diffusers, kohya = files
    tensors = load(kohya)
    scale = ALPHA / RANK
    probe = torch.randn((4 * WIDTH, 2), generator=torch.Generator().manual_seed(1))

    def delta(module: str) -> torch.Tensor:  # the change ComfyUI makes, times the probe
        up, down = tensors[f"{module}.lora_up.weight"], tensors[f"{module}.lora_down.weight"]
        return tensors[f"{module}.alpha"] / down.shape[0] * (up @ (down @ probe[: down.shape[1]]))

    def wanted(path: str) -> torch.Tensor:
        a = diffusers[f"transformer.{path}.lora_A.weight"]
        b = diffusers[f"transformer.{path}.lora_B.weight"]
        return scale * (b @ (a @ probe[: a.shape[1]]))

    qkv = delta("lora_unet_double_blocks_3_img_attn_qkv")
    for slot, name in enumerate(("to_q", "to_k", "to_v")):
        rows = qkv[slot * WIDTH : (slot + 1) * WIDTH]
        assert torch.allclose(rows, wanted(f"transformer_blocks.3.attn.{name}"), atol=1e-3)
    linear1 = delta("lora_unet_single_blocks_5_linear1")
    to_k = wanted("single_transformer_blocks.5.attn.to_k")
    assert torch.allclose(linear1[WIDTH : 2 * WIDTH], to_k, atol=1e-3)
    assert not linear1[3 * WIDTH :].any()  # the MLP's input has no LoRA
    mlp = delta("lora_unet_double_blocks_7_txt_mlp_2")
    assert torch.allclose(mlp, wanted("transformer_blocks.7.ff_context.net.2"), atol=1e-3)


def test_diffusers_reads_each_module_back_from_the_kohya_file(files):
    """Compared on a random probe (B @ A @ probe): the full products of 342 modules would
    take minutes on 2 cores, and two different products agree on a random probe only by
    chance."""
    diffusers, kohya = files
    read = FluxPipeline.lora_state_dict(load(kohya))
    modules = {k.rsplit(".lora", 1)[0] for k in read}
    extra = modules - {k.rsplit(".lora", 1)[0] for k in diffusers}
    # linear1's MLP slot comes back as a LoRA on proj_mlp that changes nothing
    assert extra == {f"transformer.single_transformer_blocks.{i}.proj_mlp" for i in range(SINGLE)}
    for module in extra:
        assert not read[f"{module}.lora_B.weight"].any()
    for key in diffusers:
        if key.endswith("lora_A.weight"):
            module = key.removesuffix(".lora_A.weight")
            a, b = read[f"{module}.lora_A.weight"], read[f"{module}.lora_B.weight"]
            assert a.shape[0] == RANK  # split back to each module's own rank
            probe = torch.randn((a.shape[1], 2), generator=torch.Generator().manual_seed(1))
            original = diffusers[f"{module}.lora_B.weight"] @ (diffusers[key] @ probe)
            assert torch.allclose(b @ (a @ probe), ALPHA / RANK * original, atol=1e-3), module
