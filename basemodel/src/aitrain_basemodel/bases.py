"""The real base models' architectures, built with random weights: no weights can be
downloaded here, so tests train on tiny models in each real checkpoint's folder layout, and
benchmarks measure memory and speed on the real sizes.

`write_tiny(family, folder)` saves a pipeline folder as the real checkpoints are laid out
(`model_index.json`, one subfolder per part, the same config names and classes):
- "sdxl": two CLIP text encoders (the second with projection), a UNet conditioned on the
  pooled text and the image's size and crop ("text_time");
- "flux": CLIP (pooled) and T5 (hidden states) text encoders, a 16-channel VAE with a shift
  factor and no quant convs, a FluxTransformer2DModel with guidance embedding, and the
  flow-matching Euler scheduler with resolution-dependent shift, as FLUX.1-dev ships them.
SD 1.5's layout is the committed small model's (`COMMITTED_MODEL`).

The CLIP text encoder and tokenizer of the tiny models are the committed model's (its
tokenizer is the only one at hand); T5's tokenizer is a Unigram model trained on the
project's own captions.
`write_checked_sd(folder, flags)` is SD 1.5's layout with the safety checker SD 1.5 ships
(`safety_checker/`, `feature_extractor/`), tiny, flagging every image or none.
`real_parts(family)` gives the full-size configs, which `scripts/bench_bases.py` builds.
"""

import json
import shutil
from pathlib import Path

import torch
from diffusers import (
    AutoencoderKL,
    DDIMScheduler,
    FlowMatchEulerDiscreteScheduler,
    FluxPipeline,
    FluxTransformer2DModel,
    StableDiffusionXLPipeline,
    UNet2DConditionModel,
)
from transformers import (
    CLIPTextConfig,
    CLIPTextModel,
    CLIPTextModelWithProjection,
    CLIPTokenizer,
    T5Config,
    T5EncoderModel,
    T5TokenizerFast,
)

from aitrain_basemodel import COMMITTED_MODEL

FAMILIES = ("sd", "sdxl", "flux")

# FLUX.1-dev's scheduler/scheduler_config.json
FLUX_SCHEDULER = {
    "base_image_seq_len": 256,
    "base_shift": 0.5,
    "max_image_seq_len": 4096,
    "max_shift": 1.15,
    "num_train_timesteps": 1000,
    "shift": 3.0,
    "use_dynamic_shifting": True,
}
T5_MAX_LENGTH = 32  # the tiny tokenizer's; FLUX.1-dev's is 512 (schnell: 256)


def write_tiny(family: str, folder: Path) -> Path:
    """A tiny random model of `family` saved at `folder` in the real layout (seeded: the
    same bytes every time)."""
    if family == "sd":
        raise ValueError("SD 1.5's tiny model is the committed one: COMMITTED_MODEL")
    torch.manual_seed(0)
    {"sdxl": _tiny_sdxl, "flux": _tiny_flux}[family]().save_pretrained(folder)
    return folder


def write_checked_sd(folder: Path, flags: bool) -> Path:
    """The committed small model with a tiny SD safety checker beside it, in SD 1.5's layout.
    Its concept thresholds are out of a cosine's reach: below -1 every image is flagged
    (`flags`), above 1 none is."""
    from diffusers.pipelines.stable_diffusion.safety_checker import (
        StableDiffusionSafetyChecker,
    )
    from transformers import CLIPConfig, CLIPImageProcessor

    shutil.copytree(COMMITTED_MODEL, folder)
    torch.manual_seed(0)
    small = {"hidden_size": 32, "intermediate_size": 64, "num_attention_heads": 2,
             "num_hidden_layers": 1}  # fmt: skip
    config = CLIPConfig(
        text_config=small, vision_config=small | {"image_size": 32, "patch_size": 8},
        projection_dim=16,
    )  # fmt: skip
    checker = StableDiffusionSafetyChecker(config)
    with torch.no_grad():
        threshold = -2.0 if flags else 2.0
        checker.concept_embeds_weights.fill_(threshold)
        checker.special_care_embeds_weights.fill_(threshold)
    checker.save_pretrained(folder / "safety_checker")
    CLIPImageProcessor(size={"shortest_edge": 32}, crop_size=32).save_pretrained(
        folder / "feature_extractor"
    )
    index = json.loads((folder / "model_index.json").read_text())
    index["safety_checker"] = ["stable_diffusion", "StableDiffusionSafetyChecker"]
    index["feature_extractor"] = ["transformers", "CLIPImageProcessor"]
    index["requires_safety_checker"] = True
    (folder / "model_index.json").write_text(json.dumps(index, indent=2))
    return folder


def _tiny_sdxl() -> StableDiffusionXLPipeline:
    text_encoder = CLIPTextModel.from_pretrained(COMMITTED_MODEL, subfolder="text_encoder")
    second = text_encoder.config.to_dict() | {"projection_dim": 32}
    text_encoder_2 = CLIPTextModelWithProjection(type(text_encoder.config)(**second))
    width = text_encoder.config.hidden_size
    unet = UNet2DConditionModel(
        sample_size=8,
        layers_per_block=1,
        block_out_channels=(32, 64),
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=2 * width,
        attention_head_dim=(2, 4),
        use_linear_projection=True,
        addition_embed_type="text_time",
        addition_time_embed_dim=8,
        projection_class_embeddings_input_dim=6 * 8 + 32,
        norm_num_groups=16,
    )
    tokenizer = CLIPTokenizer.from_pretrained(COMMITTED_MODEL, subfolder="tokenizer")
    return StableDiffusionXLPipeline(
        vae=AutoencoderKL.from_pretrained(COMMITTED_MODEL, subfolder="vae"),
        text_encoder=text_encoder,
        text_encoder_2=text_encoder_2,
        tokenizer=tokenizer,
        tokenizer_2=tokenizer,
        unet=unet,
        scheduler=DDIMScheduler.from_pretrained(COMMITTED_MODEL, subfolder="scheduler"),
    )


def _tiny_flux() -> FluxPipeline:
    text_encoder = CLIPTextModel.from_pretrained(COMMITTED_MODEL, subfolder="text_encoder")
    tokenizer_2 = _t5_tokenizer()
    text_encoder_2 = T5EncoderModel(
        T5Config(
            vocab_size=len(tokenizer_2),
            d_model=32,
            d_kv=8,
            d_ff=64,
            num_layers=2,
            num_heads=4,
            feed_forward_proj="gated-gelu",
        )
    )
    vae = AutoencoderKL(
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        block_out_channels=(16, 32, 32, 32),
        layers_per_block=1,
        latent_channels=16,
        norm_num_groups=8,
        sample_size=64,
        scaling_factor=0.3611,
        shift_factor=0.1159,
        use_quant_conv=False,
        use_post_quant_conv=False,
    )
    transformer = FluxTransformer2DModel(
        patch_size=1,
        in_channels=64,  # 16 latent channels packed 2 x 2
        num_layers=1,
        num_single_layers=2,
        attention_head_dim=16,
        num_attention_heads=2,
        joint_attention_dim=32,  # T5's d_model
        pooled_projection_dim=text_encoder.config.hidden_size,
        guidance_embeds=True,
        axes_dims_rope=(4, 6, 6),
    )
    return FluxPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(**FLUX_SCHEDULER),
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=CLIPTokenizer.from_pretrained(COMMITTED_MODEL, subfolder="tokenizer"),
        text_encoder_2=text_encoder_2,
        tokenizer_2=tokenizer_2,
        transformer=transformer,
    )


def _t5_tokenizer() -> T5TokenizerFast:
    """A SentencePiece-style Unigram tokenizer over the world's captions (T5's kind)."""
    from tokenizers import SentencePieceUnigramTokenizer

    from aitrain_basemodel.prior import prompts

    unigram = SentencePieceUnigramTokenizer()
    unigram.train_from_iterator(
        [*prompts(), "a zxq", "in the style of qqv"],
        vocab_size=200,
        special_tokens=["<pad>", "</s>", "<unk>"],
        unk_token="<unk>",
    )
    return T5TokenizerFast(
        tokenizer_object=unigram,
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
        extra_ids=0,
        model_max_length=T5_MAX_LENGTH,
    )


def real_parts(family: str) -> dict[str, dict]:
    """Each trainable-size part's config at the real checkpoint's size (for benchmarks)."""
    clip_l = {
        "hidden_size": 768,
        "intermediate_size": 3072,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "max_position_embeddings": 77,
        "vocab_size": 49408,
        "projection_dim": 768,
        "hidden_act": "quick_gelu",
    }
    sd_vae = {
        "down_block_types": ("DownEncoderBlock2D",) * 4,
        "up_block_types": ("UpDecoderBlock2D",) * 4,
        "block_out_channels": (128, 256, 512, 512),
        "layers_per_block": 2,
        "latent_channels": 4,
    }
    if family == "sd":
        return {
            "text_encoder": clip_l,
            "vae": sd_vae | {"sample_size": 512, "scaling_factor": 0.18215},
            "unet": {
                "sample_size": 64,
                "block_out_channels": (320, 640, 1280, 1280),
                "cross_attention_dim": 768,
                "attention_head_dim": 8,
            },
        }
    if family == "sdxl":
        return {
            "text_encoder": clip_l | {"hidden_act": "quick_gelu"},
            "text_encoder_2": {
                "hidden_size": 1280,
                "intermediate_size": 5120,
                "num_hidden_layers": 32,
                "num_attention_heads": 20,
                "max_position_embeddings": 77,
                "vocab_size": 49408,
                "projection_dim": 1280,
                "hidden_act": "gelu",
            },
            "vae": sd_vae | {"sample_size": 1024, "scaling_factor": 0.13025},
            "unet": {
                "sample_size": 128,
                "block_out_channels": (320, 640, 1280),
                "down_block_types": ("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
                "up_block_types": ("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
                "transformer_layers_per_block": (1, 2, 10),
                "attention_head_dim": (5, 10, 20),
                "cross_attention_dim": 2048,
                "use_linear_projection": True,
                "addition_embed_type": "text_time",
                "addition_time_embed_dim": 256,
                "projection_class_embeddings_input_dim": 2816,
            },
        }
    if family == "flux":
        return {
            "text_encoder": clip_l,
            "text_encoder_2": {  # google/t5-v1_1-xxl, encoder only
                "vocab_size": 32128,
                "d_model": 4096,
                "d_kv": 64,
                "d_ff": 10240,
                "num_layers": 24,
                "num_heads": 64,
                "feed_forward_proj": "gated-gelu",
            },
            "vae": sd_vae
            | {
                "latent_channels": 16,
                "sample_size": 1024,
                "scaling_factor": 0.3611,
                "shift_factor": 0.1159,
                "use_quant_conv": False,
                "use_post_quant_conv": False,
            },
            "transformer": {
                "patch_size": 1,
                "in_channels": 64,
                "num_layers": 19,
                "num_single_layers": 38,
                "attention_head_dim": 128,
                "num_attention_heads": 24,
                "joint_attention_dim": 4096,
                "pooled_projection_dim": 768,
                "guidance_embeds": True,
                "axes_dims_rope": (16, 56, 56),
            },
        }
    raise ValueError(f"unknown family {family!r}: one of {FAMILIES}")


def build_real(family: str, part: str, dtype: torch.dtype, device: str) -> torch.nn.Module:
    """One part of `family` at its real size with random weights, made in `dtype` on `device`
    (made so from the start: FLUX.1's transformer is 48 GB in fp32)."""
    config = real_parts(family)[part]
    before = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        return _build(family, part, config, device).to(dtype)
    finally:
        torch.set_default_dtype(before)


def _build(family: str, part: str, config: dict, device: str) -> torch.nn.Module:
    with torch.device(device):
        if part == "unet":
            model = UNet2DConditionModel(**config)
        elif part == "transformer":
            model = FluxTransformer2DModel(**config)
        elif part == "vae":
            model = AutoencoderKL(**config)
        elif part == "text_encoder_2" and family == "flux":
            model = T5EncoderModel(T5Config(**config))
        elif part == "text_encoder_2":
            model = CLIPTextModelWithProjection(CLIPTextConfig(**config))
        else:
            model = CLIPTextModel(CLIPTextConfig(**config))
    return model
