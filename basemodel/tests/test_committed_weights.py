"""The committed base model: loads with stock diffusers, matches the script's recipe, and
still draws what prompts say (a lower bar than its measured figures, so a regression to
noise fails)."""

import dataclasses
import json
from pathlib import Path

from diffusers import StableDiffusionPipeline

from aitrain_basemodel import prior
from aitrain_basemodel.adherence import measure, pipeline_drawer, prompt_set
from aitrain_basemodel.pretrain import DATA_VERSION, Recipe

WEIGHTS = Path(__file__).parents[1] / "weights" / "aitrain-tiny-sd"


def test_the_manifest_matches_the_pretraining_recipe():
    manifest = json.loads((WEIGHTS / "manifest.json").read_text())
    assert manifest["recipe"] == dataclasses.asdict(Recipe())
    assert manifest["data_version"] == DATA_VERSION


def test_the_committed_model_draws_what_prompts_say():
    pipeline = StableDiffusionPipeline.from_pretrained(WEIGHTS)
    pipeline.set_progress_bar_config(disable=True)
    rates = measure(pipeline_drawer(pipeline), prompt_set(12), seeds=2)
    # measured over 40 prompts x 3 seeds: background 1.0, colour 0.95, shape 0.64,
    # artifact 0.012 (the first model's blobs: about 0.07)
    assert rates["background"] >= 0.8
    assert rates["colour"] >= 0.5
    assert rates["artifact"] < 0.04


def test_the_prior_prompts_beside_the_weights_are_the_scripts():
    committed = (WEIGHTS / prior.FILE_NAME).read_text().splitlines()
    assert committed == prior.prompts()
    assert not set(committed) & {scene.caption() for scene in prompt_set(prior.MEASURED_ON)}
