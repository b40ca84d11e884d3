"""The warm pipeline's adapter cache: switching, loading and evicting models never changes
another model's images (adapters on the UNet and the text encoder, as the trainer writes)."""

import numpy as np
import pytest
import torch
from inference_loras import a_lora
from safetensors.torch import load

from aitrain_basemodel import COMMITTED_MODEL
from contracts.sampling import Sampling
from inference.engine.painter import Painter


@pytest.fixture(scope="module")
def painter() -> Painter:
    return Painter(
        str(COMMITTED_MODEL), torch.device("cpu"), capacity=2, sampling=Sampling(steps=4)
    )


def test_switching_models_leaves_each_models_images_as_they_were(painter):
    def paint(model: str) -> np.ndarray:
        [image] = painter.paint(model, "a zxq on a blue background", None, (64, 64), [3])
        return np.asarray(image)

    files = {name: load(a_lora(seed, text_encoder=True)) for seed, name in enumerate("abc")}
    painter.load("a", files["a"])
    first = paint("a")
    painter.load("b", files["b"])
    assert not np.array_equal(paint("b"), first)
    assert np.array_equal(paint("a"), first)  # b's adapters left a's alone
    painter.load("c", files["c"])  # two fit: b, the least recently used, goes
    assert (painter.has("a"), painter.has("b"), painter.has("c")) == (True, False, True)
    assert np.array_equal(paint("a"), first)
