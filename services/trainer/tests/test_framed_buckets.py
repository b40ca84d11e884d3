"""Photos the dataset also kept whole at their own aspect ratio train in buckets of one
ratio each, at the size the inference service draws that ratio, beside the squares."""

import io
from collections import Counter

from PIL import Image
from trainer_scenes import training_set

from aitrain_basemodel import COMMITTED_MODEL
from trainer.domain.plan import Plan
from trainer.engine.base import load_base, pick_device
from trainer.engine.lora import LoraTraining


def test_framed_photos_train_in_buckets_of_their_ratio():
    base = load_base(str(COMMITTED_MODEL), pick_device("cpu"))
    items = training_set(count=8)
    images = [Image.open(io.BytesIO(data)) for data, _ in items]
    framed = [  # four wide, two tall, two square only
        image.resize((160, 90)) if i < 4 else image.resize((90, 160)) if i < 6 else None
        for i, image in enumerate(images)
    ]
    plan = Plan(60, 4, 1e-3, 4, preserve_weight=1.0, teacher_bank=32, prior_batch=2)
    training = LoraTraining(base, images, [t for _, t in items], plan, framed)
    shapes = Counter()

    def seen(module, args, kwargs, output) -> None:
        shapes[tuple(args[0].shape[2:])] += len(args[0])

    hook = base.denoiser.register_forward_hook(seen, with_kwargs=True)
    try:
        assert {r: m.tolist() for r, (m, _) in training.buckets.items()} == {
            "16:9": [0, 1, 2, 3],
            "9:16": [4, 5],
        }
        assert training.buckets["16:9"][1].shape == (4, 4, 6, 11)  # 88 x 48 px, as inference
        losses = [float(training.train_step()) for _ in range(plan.steps)]
    finally:
        hook.remove()
        training.close()
    assert all(loss == loss for loss in losses)  # no NaN
    # squares (the subject's and the prior cases'), and batches of each framed ratio
    assert set(shapes) == {(8, 8), (6, 11), (11, 6)}
    framed_share = (shapes[(6, 11)] + shapes[(11, 6)]) / (plan.steps * plan.batch_size)
    assert 0.25 < framed_share < 0.65  # 6 framed of 14 photos: 0.43
