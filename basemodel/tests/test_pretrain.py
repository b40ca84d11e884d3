"""The pretraining script runs end to end (on a seconds-long recipe) and writes a model that
stock diffusers loads, with a manifest of how it was made."""

import json

import torch
from diffusers import StableDiffusionPipeline

from aitrain_basemodel.architecture import ASPECT_BUCKETS
from aitrain_basemodel.pretrain import DATA_VERSION, Buckets, Recipe, pretrain


def test_a_short_pretraining_writes_a_loadable_model_and_its_manifest(tmp_path):
    recipe = Recipe(scenes=128, vae_minutes=0.02, unet_minutes=0.02, vae_batch=8, unet_batch=8)
    manifest = pretrain(tmp_path / "model", recipe)
    written = json.loads((tmp_path / "model" / "manifest.json").read_text())
    assert written == manifest
    assert written["recipe"]["seed"] == recipe.seed
    assert written["data_version"] == DATA_VERSION
    assert written["metrics"]["vae_steps"] >= 1 and written["metrics"]["unet_steps"] >= 1
    pipeline = StableDiffusionPipeline.from_pretrained(tmp_path / "model")
    assert pipeline.vae.config.scaling_factor != 0.18215  # measured from the cached latents


def test_every_ratio_is_a_bucket_of_its_own_size():
    buckets = Buckets(Recipe(scenes=300))
    assert set(buckets.scenes) == set(ASPECT_BUCKETS)
    generator = torch.Generator().manual_seed(0)
    seen = set()
    for _ in range(60):
        ratio, index = buckets.pick(4, generator)
        width, height = ASPECT_BUCKETS[ratio]
        assert buckets.pixels[ratio][index].shape == (4, 3, height, width)
        seen.add(ratio)
    assert seen == set(ASPECT_BUCKETS)
    squares = len(buckets.scenes["1:1"]) / 300
    assert 0.3 < squares < 0.5  # Recipe.square_share 0.4
