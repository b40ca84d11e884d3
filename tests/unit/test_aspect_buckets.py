"""The embedded base model is pretrained at exactly the sizes inference asks it for: each
aspect ratio the API offers, at 720p, is one of its buckets."""

from typing import get_args

from aitrain_basemodel.architecture import ASPECT_BUCKETS, RESOLUTION
from contracts.events.common import AspectRatio
from contracts.sampling import output_size


def test_every_ratio_the_api_offers_is_a_pretraining_bucket():
    ratios = get_args(AspectRatio)
    assert set(ASPECT_BUCKETS) == set(ratios)
    for ratio in ratios:
        assert output_size(ratio, "720p", RESOLUTION) == ASPECT_BUCKETS[ratio]
