"""A training preview is the picture a user would get: the trainer draws its previews with
the sampling settings and size rules the inference service paints with (contracts.sampling),
so a preview of the adapters as trained equals the generation from the saved file."""

import numpy as np
import torch
from PIL import Image
from safetensors.torch import load

from aitrain_basemodel import COMMITTED_MODEL, world
from contracts.sampling import Sampling, output_size
from inference.engine.painter import Painter
from trainer.domain.plan import Plan
from trainer.engine.base import load_base
from trainer.engine.lora import LoraTraining
from trainer.engine.sampling import sample
from trainer.engine.weights import lora_file

PROMPT, SEED = "a zxq on a blue background", 5
# not the defaults, so the test fails if either side ignores the shared settings
SAMPLING = Sampling(scheduler="EulerDiscreteScheduler", steps=6, guidance=3.0)


def test_a_preview_is_the_generation_of_the_saved_model():
    cpu = torch.device("cpu")
    base = load_base(str(COMMITTED_MODEL), cpu, SAMPLING)
    images = [world.render(world.Scene("triangle", "yellow", bg)) for bg in ("blue", "red")]
    plan = Plan(steps=5, rank=4, learning_rate=1e-2, text_encoder_rank=4)
    training = LoraTraining(base, images, [PROMPT, "a zxq on a red background"], plan)
    try:
        for _ in range(plan.steps):
            training.train_step()
        preview = sample(base, PROMPT, SEED, training.text_encoder)
        lora = lora_file(training, {})
    finally:
        training.close()
    painter = Painter(str(COMMITTED_MODEL), cpu, capacity=1, sampling=SAMPLING)
    painter.load("m", load(lora))
    size = output_size("1:1", "720p", painter.native_side)
    [generated] = painter.paint({"m": 1.0}, PROMPT, None, size, [SEED])
    assert type(painter.pipeline.scheduler).__name__ == "EulerDiscreteScheduler"
    assert preview.size == generated.size == size
    assert _difference(preview, generated) < 1.0  # float rounding of the loaded adapters
    untrained = sample(base, PROMPT, SEED)
    assert _difference(preview, untrained) > 2.0  # the adapters show in the preview


def _difference(a: Image.Image, b: Image.Image) -> float:
    return float(np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float)).mean())
