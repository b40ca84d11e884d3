"""The adherence measurement itself: perfect drawings score 1, noise scores about 0."""

import numpy as np
from PIL import Image

from aitrain_basemodel import world
from aitrain_basemodel.adherence import grid, measure, prompt_set

SCENES = prompt_set(20)
BY_CAPTION = {s.caption(): s for s in SCENES}


def perfect(prompt: str, seed: int) -> Image.Image:
    return world.render(BY_CAPTION[prompt], 64)


def noise(prompt: str, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))


def test_a_perfect_drawer_scores_full_marks():
    rates = measure(perfect, SCENES, seeds=2)
    assert rates == {"background": 1.0, "colour": 1.0, "shape": 1.0, "artifact": rates["artifact"]}
    assert rates["artifact"] < 0.001


def test_noise_scores_near_zero():
    rates = measure(noise, SCENES, seeds=2)
    squares = sum(s.shape == "square" for s in SCENES) / len(SCENES)
    # noise reads as one frame-filling blob, a "square": right exactly for the set's squares
    assert rates["colour"] < 0.3 and rates["shape"] <= squares
    assert rates["artifact"] > 0.5


def test_the_prompt_set_is_fixed_and_ordinary():
    assert [s.caption() for s in prompt_set(20)] == [s.caption() for s in SCENES]
    assert not {s.shape for s in SCENES} & set(world.RESERVED_SHAPES)


def test_grids_hold_one_row_per_prompt_and_one_column_per_seed():
    assert grid(perfect, SCENES[:3], 4).size == (4 * 64, 3 * 64)
