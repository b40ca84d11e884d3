"""A second base model in the platform `make run` starts: the e2e platform serves a tiny
random FLUX.1 (the real folder layout, tests' weights) beside the committed SD model, at a
price of its own. A training names it through the public API and is charged that price, its
model remembers it, and a generation paints with FLUX's pipeline at the base's size; a
generation mixing bases is refused."""

import io

import pytest
from PIL import Image

from aitrain_client import AitrainError

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]
KEYWORD = "zxqflux"
TINY_FLUX, PRICE = "tiny-flux", 1200  # conftest.py puts it in the platform's catalog


def test_a_training_on_the_second_base_trains_and_paints_with_it(platform, demo_set):
    _, api = platform.account(plan=None, credits=PRICE + 5)
    bases = api.training_options()["bases"]
    assert [(b["name"], b["training_credits"]) for b in bases] == [
        ("aitrain-tiny", None),
        (TINY_FLUX, PRICE),
    ]
    # the random model learns at a higher rate than the small model's presets
    started = api.train(demo_set, "object", KEYWORD, base=TINY_FLUX, steps=100,
                        learning_rate=5e-3)  # fmt: skip
    trained = api.wait("trainings", started["training_id"])
    assert (trained["status"], trained["base"]) == ("completed", TINY_FLUX), trained["reason"]
    model = api.model(trained["model_id"])
    assert model["base"] == TINY_FLUX

    made = api.generate(trained["model_id"], f"a {KEYWORD} on a green background", seed=7)
    made = api.wait("generations", made["generation_id"])
    assert made["status"] == "completed", made
    [image] = made["images"]
    png = Image.open(io.BytesIO(api.downloads.get(image["url"]).content))
    assert png.size == (image["width"], image["height"]) == (64, 64)
    assert api.account()["credits"] == 0  # the base's price, then one image

    with pytest.raises(AitrainError) as refused:  # FLUX reads no negative prompt
        api.generate(trained["model_id"], f"a {KEYWORD}", negative_prompt="blur")
    assert refused.value.status == 422 and "takes no negative prompt" in str(refused.value)
