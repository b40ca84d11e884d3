"""The base model is a standard diffusers Stable Diffusion model: stock loaders read it."""

import torch
from diffusers import StableDiffusionPipeline
from transformers import CLIPTokenizer

from aitrain_basemodel.architecture import RESOLUTION, fresh_pipeline, save
from aitrain_basemodel.vocabulary import words


def test_saved_parts_load_with_from_pretrained_and_draw(tmp_path):
    save(fresh_pipeline(tmp_path / "build"), tmp_path / "model")
    files = {str(p.relative_to(tmp_path / "model")) for p in (tmp_path / "model").rglob("*")}
    assert {"tokenizer/vocab.json", "tokenizer/merges.txt"} <= files
    assert {"unet/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors",
            "text_encoder/model.safetensors", "model_index.json"} <= files  # fmt: skip
    assert not any(name.endswith((".bin", ".pt", ".ckpt")) for name in files)

    pipeline = StableDiffusionPipeline.from_pretrained(tmp_path / "model")
    image = pipeline(
        "a red circle on a blue background",
        num_inference_steps=2,
        height=RESOLUTION,
        width=RESOLUTION,
        generator=torch.Generator().manual_seed(0),
    ).images[0]
    assert image.size == (RESOLUTION, RESOLUTION)


def test_every_world_word_is_one_token_and_any_keyword_tokenises(tmp_path):
    save(fresh_pipeline(tmp_path / "build"), tmp_path / "model")
    tokenizer = CLIPTokenizer.from_pretrained(tmp_path / "model" / "tokenizer")
    assert all(len(tokenizer(word).input_ids) == 3 for word in words())  # start, word, end
    pieces = tokenizer.convert_ids_to_tokens(tokenizer("customstarmodel").input_ids)
    assert len(pieces) > 3 and tokenizer.unk_token not in pieces[1:-1]
