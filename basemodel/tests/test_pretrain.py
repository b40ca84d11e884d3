"""The pretraining script runs end to end (on a seconds-long recipe) and writes a model that
stock diffusers loads, with a manifest of how it was made."""

import json

from diffusers import StableDiffusionPipeline

from aitrain_basemodel.pretrain import DATA_VERSION, Recipe, pretrain


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
