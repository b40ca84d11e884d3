"""Inference's pure rules: output sizes, styles, seeds."""

import pytest

from contracts.sampling import output_size
from inference.domain.prompts import STYLE_SUFFIXES, styled
from inference.domain.seeds import seeds_for

RATIOS = ["1:1", "16:9", "9:16", "4:3", "3:4", "21:9"]


@pytest.mark.parametrize("native", [64, 512, 1024])
@pytest.mark.parametrize("ratio", RATIOS)
@pytest.mark.parametrize("tier", ["720p", "1080p"])
def test_sizes_keep_the_ratio_and_the_native_area(native, ratio, tier):
    width, height = output_size(ratio, tier, native)
    wide, high = (int(p) for p in ratio.split(":"))
    assert width % 8 == 0 and height % 8 == 0
    assert width / height == pytest.approx(wide / high, rel=0.12)  # rounding to 8 px at 64 px
    scale = 1.5 if tier == "1080p" else 1.0
    assert width * height == pytest.approx((native * scale) ** 2, rel=0.12)


def test_square_720p_is_the_native_size_and_1080p_is_half_as_large_again():
    assert output_size("1:1", "720p", 512) == (512, 512)
    assert output_size("1:1", "1080p", 512) == (768, 768)
    assert output_size("16:9", "720p", 1024) == (1368, 768)


def test_styles_append_to_the_users_prompt_and_none_leaves_it_alone():
    assert styled("a zxq on a red background", "none") == "a zxq on a red background"
    for style, suffix in STYLE_SUFFIXES.items():
        if style != "none":
            assert styled("a zxq", style) == f"a zxq, {suffix}"


def test_seeds_follow_the_given_seed_or_the_request_id():
    assert seeds_for("gen-1", 41, 3) == [41, 42, 43]
    derived = seeds_for("gen-1", None, 2)
    assert derived == seeds_for("gen-1", None, 2)  # a redelivery draws the same images
    assert derived[1] == derived[0] + 1
    assert derived != seeds_for("gen-2", None, 2)


def test_every_seed_the_api_takes_is_used_as_given():
    assert seeds_for("gen-1", 2**31 + 5, 2) == [2**31 + 5, 2**31 + 6]  # once wrapped to 5
    assert seeds_for("gen-1", 2**32 - 1, 2) == [2**32 - 1, 0]
