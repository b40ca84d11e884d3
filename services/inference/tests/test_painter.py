"""The warm pipeline's adapter cache: switching, loading and evicting models never changes
another model's images (adapters on the UNet and the text encoder, as the trainer writes)."""

import numpy as np
import pytest
import torch
from inference_loras import a_lora
from safetensors.torch import load

from aitrain_basemodel import COMMITTED_MODEL
from aitrain_basemodel.bases import write_checked_sd
from contracts.safety import FLAGGED
from contracts.sampling import Sampling
from inference.engine.painter import Painter


@pytest.fixture(scope="module")
def painter() -> Painter:
    return Painter(
        str(COMMITTED_MODEL), torch.device("cpu"), capacity=2, sampling=Sampling(steps=4)
    )


def draw(painter: Painter, weights: dict[str, float]) -> np.ndarray:
    [image] = painter.paint(weights, "a zxq on a blue background", None, (64, 64), [3])
    return np.asarray(image)


def test_switching_models_leaves_each_models_images_as_they_were(painter):
    def paint(model: str) -> np.ndarray:
        return draw(painter, {model: 1.0})

    files = {name: load(a_lora(seed, text_encoder=True)) for seed, name in enumerate("abc")}
    painter.load("a", files["a"])
    first = paint("a")
    painter.load("b", files["b"])
    assert not np.array_equal(paint("b"), first)
    assert np.array_equal(paint("a"), first)  # b's adapters left a's alone
    painter.load("c", files["c"])  # two fit: b, the least recently used, goes
    assert (painter.has("a"), painter.has("b"), painter.has("c")) == (True, False, True)
    assert np.array_equal(paint("a"), first)


def test_two_models_paint_together_and_a_weight_of_zero_leaves_one_out(painter):
    files = {name: load(a_lora(seed, text_encoder=True)) for seed, name in enumerate("de", 3)}
    painter.load("d", files["d"])
    painter.load("e", files["e"], keep=("d",))  # the request's other model stays loaded
    assert painter.has("d") and painter.has("e")
    alone = draw(painter, {"d": 1.0})
    together = draw(painter, {"d": 1.0, "e": 1.0})
    assert not np.array_equal(together, alone)
    assert np.array_equal(draw(painter, {"d": 1.0, "e": 0.0}), alone)
    assert not np.array_equal(draw(painter, {"d": 1.0, "e": 0.5}), together)  # weights count


def test_the_models_of_one_request_are_never_evicted_for_each_other(painter):
    files = {name: load(a_lora(seed, text_encoder=True)) for seed, name in enumerate("fgh", 5)}
    painter.load("f", files["f"])
    painter.load("g", files["g"], keep=("f",))
    assert painter.has("f") and painter.has("g")
    with pytest.raises(ValueError, match="cannot hold"):  # capacity 2: f, g and h
        painter.load("h", files["h"], keep=("f", "g"))


@pytest.mark.parametrize("family", ["sdxl", "flux"])
def test_sdxl_and_flux_paint_with_one_model_and_with_two(tiny_bases, family):
    """The same warm pipeline for the other families (tiny random models in the real
    layouts): each LoRA changes the image, two add up, and sizes follow the family's rule."""
    painter = Painter(
        str(tiny_bases[family]), torch.device("cpu"), 2, Sampling(steps=4), native_side=64
    )
    assert painter.size_multiple == (16 if family == "flux" else 8)
    painter.load("a", load(a_lora(1, base=tiny_bases[family])))
    painter.load("b", load(a_lora(2, base=tiny_bases[family])), keep=("a",))
    base_only = draw(painter, {"a": 0.0})
    alone = draw(painter, {"a": 1.0})
    together = draw(painter, {"a": 1.0, "b": 1.0})
    assert not np.array_equal(alone, base_only)
    assert not np.array_equal(together, alone)
    assert np.array_equal(draw(painter, {"a": 1.0, "b": 0.0}), alone)


@pytest.mark.parametrize("flags", [True, False])
def test_a_base_s_own_safety_checker_names_flagged_images_instead_of_blackening_them(
    tmp_path, flags
):
    """SD 1.5 ships a safety checker: the painter takes it out of the pipeline (which would
    deliver a black image) and asks it about each image; turned off, nothing is checked."""
    base = write_checked_sd(tmp_path / "sd", flags=flags)
    painter = Painter(str(base), torch.device("cpu"), 1, Sampling(steps=2))
    painter.load("a", load(a_lora(1)))
    images = painter.paint({"a": 1.0}, "a zxq on a blue background", None, (64, 64), [1, 2])
    assert all(np.asarray(image).max() > 0 for image in images)  # not blackened
    assert painter.check.reasons(images) == [FLAGGED if flags else None] * 2
    unchecked = Painter(str(base), torch.device("cpu"), 1, Sampling(steps=2), safety_check=False)
    assert unchecked.check.reasons(images) == [None, None]
    assert unchecked.pipeline.safety_checker is None
