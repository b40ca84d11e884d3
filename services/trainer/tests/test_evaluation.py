"""Every run scores its adapters on held-out noise and keeps the best, not the last."""

import io

import torch
from PIL import Image
from trainer_scenes import training_set

from aitrain_basemodel import COMMITTED_MODEL
from trainer.domain.plan import Plan
from trainer.engine.base import load_base, pick_device
from trainer.engine.evaluation import Evaluation
from trainer.engine.lora import LoraTraining


def test_training_scores_as_learning_and_the_best_adapters_are_kept():
    base = load_base(str(COMMITTED_MODEL), pick_device("cpu"))
    items = training_set(count=8)
    images = [Image.open(io.BytesIO(data)) for data, _ in items]
    plan = Plan(60, 8, 1e-3, 4, text_encoder_rank=8, preserve_weight=1.0)
    training = LoraTraining(base, images, [text for _, text in items], plan)
    try:
        evaluation = Evaluation(training)
        untrained = evaluation.evaluate()
        for _ in range(plan.steps):
            training.train_step()
        trained = evaluation.evaluate()
        kept = {m: {k: v.clone() for k, v in s.items()} for m, s in training.adapters().items()}
        with torch.no_grad():  # wreck the adapters: the subject and the prior both suffer
            for state in training.adapters().values():
                for value in state.values():
                    value.add_(torch.randn_like(value) * 0.5)
        wrecked = evaluation.evaluate()
        best = evaluation.keep_best()
        restored = training.adapters()
    finally:
        training.close()
    print(f"\nuntrained {untrained}\ntrained {trained}\nwrecked {wrecked}")
    assert abs(untrained.learned) < 1e-6 and untrained.drift < 1e-9  # LoRA B starts at zero
    assert trained.learned > 0.02 and trained.drift < 0.05
    assert wrecked.merit < trained.merit
    assert best == trained and evaluation.scores == [untrained, trained, wrecked]
    for model, state in kept.items():
        for key, value in state.items():
            torch.testing.assert_close(restored[model][key], value)
