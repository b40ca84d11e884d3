"""Did this job learn? Measured on every run, not assumed.

A fixed bank of held-out inputs (noise and timesteps drawn from a generator the training
never uses): each training image noised twice at timesteps spread over the schedule. On
it, at each evaluation:
- `learned`: how much lower the denoising loss on the subject's images (with their
  captions) is with the adapters than without: 1 - loss with / loss without;
- `drift`: how far the adapters move the model's answers to prompts without the keyword
  (the prior prompts, on the same noisy latents): the mean squared change of the predicted
  noise, whose variance is 1.

The job keeps the adapters of the evaluation with the best `merit` (learned, less drift
weighed by DRIFT_COST), not simply the last step's.
"""

from dataclasses import dataclass

import torch

from trainer.engine import families
from trainer.engine.lora import LoraTraining

HELD_OUT_SEED = 7_919  # added to the plan's seed: never the training's own stream
NOISES_PER_IMAGE = 2
TIMESTEPS = (100, 250, 400, 550, 700, 850)
"""On DDPM's scale; FLUX's noise levels are these over 1000."""
DRIFT_COST = 4.0
"""How many points of `learned` one point of `drift` costs when choosing the best."""
# names of the evaluation's tensors in a checkpoint
BEST, SCORES, BEST_INDEX = "best.", "evaluation.scores", "evaluation.best"


@dataclass(frozen=True)
class Score:
    step: int
    learned: float
    drift: float

    @property
    def merit(self) -> float:
        return self.learned - DRIFT_COST * self.drift


class Evaluation:
    def __init__(self, training: LoraTraining):
        self.training = training
        generator = torch.Generator().manual_seed(training.plan.seed + HELD_OUT_SEED)
        count = len(training.images) * NOISES_PER_IMAGE
        self.index = torch.arange(len(training.images)).repeat_interleave(NOISES_PER_IMAGE)
        levels = families.at_level(training.base, TIMESTEPS)
        self.timesteps = levels[torch.arange(count) % len(TIMESTEPS)]
        self.noise = torch.randn((count, *training.latents.shape[1:]), generator=generator)
        prompts = len(training.prior_tokens[0]) if training.prior_tokens is not None else 0
        self.prior_pick = torch.randint(prompts, (count,), generator=generator) if prompts else None
        self.base_loss, self.base_prior = self._measure(adapters=False)
        self.scores: list[Score] = []
        self.best: Score | None = None
        self.best_adapters: dict[str, dict[str, torch.Tensor]] | None = None

    def evaluate(self) -> Score:
        """Score the adapters as they are now; keep them if they are the best so far."""
        loss, prior = self._measure(adapters=True)
        drift = 0.0
        if prior is not None:
            drift = float(torch.mean((prior - self.base_prior) ** 2))
        score = Score(self.training.step, 1 - loss / max(self.base_loss, 1e-12), drift)
        self.scores.append(score)
        if self.best is None or score.merit > self.best.merit:
            self.best = score
            self.best_adapters = {
                model: {k: v.detach().clone() for k, v in state.items()}
                for model, state in self.training.adapters().items()
            }
        return score

    def keep_best(self) -> Score:
        """Put the best adapters back into the training, ready to be written."""
        assert self.best is not None and self.best_adapters is not None, "nothing evaluated"
        if self.best is not self.scores[-1]:  # the adapters have moved on since
            self.training.load_adapters(self.best_adapters)
        return self.best

    def state(self) -> dict[str, torch.Tensor]:
        """The scores so far and the best adapters, for a checkpoint: a resumed job still
        knows what it scored before and can keep adapters from before the interruption."""
        if self.best is None or self.best_adapters is None:
            return {}
        tensors = {
            f"{BEST}{model}.{key}": value.detach().cpu().contiguous()
            for model, state in self.best_adapters.items()
            for key, value in state.items()
        }
        rows = [[s.step, s.learned, s.drift] for s in self.scores]
        tensors[SCORES] = torch.tensor(rows, dtype=torch.float64)
        tensors[BEST_INDEX] = torch.tensor(self.scores.index(self.best))
        return tensors

    def restore(self, tensors: dict[str, torch.Tensor]) -> None:
        """Take back what `state` saved (a checkpoint without it leaves nothing scored)."""
        if SCORES not in tensors:
            return
        rows = tensors[SCORES].tolist()
        self.scores = [Score(int(step), learned, drift) for step, learned, drift in rows]
        self.best = self.scores[int(tensors[BEST_INDEX])]
        device = self.training.base.device
        self.best_adapters = {}
        for key, value in tensors.items():
            if key.startswith(BEST):
                model, name = key.removeprefix(BEST).split(".", 1)
                self.best_adapters.setdefault(model, {})[name] = value.to(device)

    def _measure(self, adapters: bool) -> tuple[float, torch.Tensor | None]:
        return self.training.measure(
            self.index, self.noise, self.timesteps, self.prior_pick, adapters
        )
