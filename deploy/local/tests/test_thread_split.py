"""`make run` gives the two torch services half the cores each, never none."""

import pytest

from aitrain_local.launcher import torch_threads


@pytest.mark.parametrize(
    ("cores", "trainer", "inference"), [(1, 1, 1), (2, 1, 1), (3, 2, 1), (16, 8, 8)]
)
def test_the_trainer_and_inference_split_the_cores(cores, trainer, inference):
    assert torch_threads(cores) == {"trainer": trainer, "inference": inference}
