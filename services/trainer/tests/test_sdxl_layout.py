"""The same training code serves the SDXL family: two text encoders, pooled and size
conditioning. No SDXL weights can be downloaded here, so a tiny random model in the SDXL
layout stands in; it shows the code path loads, trains, samples and writes a LoRA that
diffusers' SDXL pipeline loads (whether it learns is the small SD model's test)."""

import io
from pathlib import Path

import torch
from diffusers import (
    AutoencoderKL,
    DDIMScheduler,
    StableDiffusionXLPipeline,
    UNet2DConditionModel,
)
from PIL import Image
from safetensors.torch import load
from trainer_scenes import training_set
from transformers import CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer

from aitrain_basemodel import COMMITTED_MODEL
from trainer.domain.plan import Plan
from trainer.engine.base import load_base, pick_device
from trainer.engine.kohya import kohya_file
from trainer.engine.lora import LoraTraining
from trainer.engine.sampling import sample
from trainer.engine.weights import lora_file


def tiny_sdxl(folder: Path) -> Path:
    torch.manual_seed(0)
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
    StableDiffusionXLPipeline(
        vae=AutoencoderKL.from_pretrained(COMMITTED_MODEL, subfolder="vae"),
        text_encoder=text_encoder,
        text_encoder_2=text_encoder_2,
        tokenizer=tokenizer,
        tokenizer_2=tokenizer,
        unet=unet,
        scheduler=DDIMScheduler.from_pretrained(COMMITTED_MODEL, subfolder="scheduler"),
    ).save_pretrained(folder)
    return folder


def test_an_sdxl_layout_model_trains_samples_and_its_lora_loads(tmp_path):
    folder = tiny_sdxl(tmp_path / "tiny-sdxl")
    base = load_base(str(folder), pick_device("cpu"))
    assert base.is_xl and base.resolution == 64
    items = training_set(count=4)
    images = [Image.open(io.BytesIO(data)) for data, _ in items]
    captions = [text for _, text in items]
    plan = Plan(5, 4, 1e-2, 2, seed=0, text_encoder_rank=8)
    framed = [image.resize((160, 90)) if i % 2 else None for i, image in enumerate(images)]
    training = LoraTraining(base, images, captions, plan, framed)
    assert not training.trains_text_encoder  # SDXL: the UNet adapter alone
    assert list(training.frames) == ["16:9"]  # wide batches: size conditioning of their own
    losses = [training.train_step() for _ in range(12)]
    assert all(torch.isfinite(loss) for loss in losses)
    assert sample(base, captions[0], seed=1).size == (64, 64)
    weights = lora_file(training, {"keyword": "zxq"})
    training.close()

    pipeline = StableDiffusionXLPipeline.from_pretrained(folder)
    pipeline.set_progress_bar_config(disable=True)
    before = _draw(pipeline, captions[0])
    pipeline.load_lora_weights(load(weights))
    after = _draw(pipeline, captions[0])
    assert (before - after).abs().mean() > 1e-4
    kohya = StableDiffusionXLPipeline.from_pretrained(folder)  # the same LoRA, kohya's layout
    kohya.set_progress_bar_config(disable=True)
    kohya.load_lora_weights(load(kohya_file(weights)))
    assert (after - _draw(kohya, captions[0])).abs().max() < 1e-4


def _draw(pipeline, prompt: str) -> torch.Tensor:
    return pipeline(
        prompt,
        num_inference_steps=4,
        height=64,
        width=64,
        generator=torch.Generator().manual_seed(3),
        output_type="pt",
    ).images
