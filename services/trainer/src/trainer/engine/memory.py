"""Whether a base fits this trainer's GPU: a job that cannot fit ends at once, saying why, and
is refunded (never retried into the same out-of-memory error).

Before a job: the base's weights alone must fit in the GPU with a tenth to spare (a floor:
the step's activations come on top; scripts/bench_bases.py measures whole peaks per family).
During it: an out-of-memory error ends the job the same way.
"""

import torch

from trainer.engine.base import LoadedBase

GIB = 2**30


class TooBig(Exception):
    """The base needs more GPU memory than this trainer has."""


def weights_bytes(base: LoadedBase) -> int:
    modules = (base.denoiser, *base.encoders)
    return sum(p.numel() * p.element_size() for m in modules for p in m.parameters())


def check_fits(base: LoadedBase) -> None:
    if base.device.type != "cuda":
        return
    total = torch.cuda.get_device_properties(base.device).total_memory
    needed = weights_bytes(base)
    if needed > 0.9 * total:
        raise TooBig(too_big(base, f"its weights alone are {needed / GIB:.1f} GiB"))


def too_big(base: LoadedBase, why: str) -> str:
    has = "this trainer has"
    if base.device.type == "cuda":
        total = torch.cuda.get_device_properties(base.device).total_memory / GIB
        has = f"this trainer's {total:.0f} GiB"
    return (
        f"the base model needs more GPU memory than {has} ({why}); the training is "
        "refunded — the operator must run this base on larger GPUs"
    )
