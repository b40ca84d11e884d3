"""A preview passes the base's safety check as a generation does: a flagged one is not shown."""

import pytest
import torch

from aitrain_basemodel.bases import write_checked_sd
from contracts.sampling import Sampling
from trainer.engine.base import load_base
from trainer.engine.sampling import sample


@pytest.mark.parametrize("flags", [True, False])
def test_a_preview_the_base_s_safety_checker_flags_is_withheld(tmp_path, flags):
    folder = write_checked_sd(tmp_path / "sd", flags=flags)
    base = load_base(str(folder), torch.device("cpu"), Sampling(steps=2))
    preview = sample(base, "a photo of zxq", seed=1)
    assert (preview is None) == flags
    unchecked = load_base(str(folder), torch.device("cpu"), Sampling(steps=2), safety_check=False)
    assert sample(unchecked, "a photo of zxq", seed=1) is not None
