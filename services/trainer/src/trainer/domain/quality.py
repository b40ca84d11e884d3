"""What a job's scores (engine/evaluation.py) tell its user, and when a job learned nothing
worth selling: pure rules, no torch.

Thresholds, measured on the committed base model with the learning test's subject and the
character preset (300 steps; `learned` is the keyword's gain beyond the keyword-free
control): the preset scores 0.35 (drift 0.0006); with the UNet at a learning rate of 1e-6
the text encoder's adapter still learns the keyword for real, 0.21; with both at 1e-6,
0.009, and with the text encoder's adapter off, 0.004; trained on captions without the
keyword, -0.53. A tiny random FLUX.1 scores 0.06-0.09 (tests/e2e/test_bases.py).
"""

from collections.abc import Sequence

from contracts.events.training import QualityCheck, TrainingQuality

NOTHING = 0.02
"""Below this `learned`, the model would be sold for nothing: the job fails and is refunded."""
STRONG = 0.10
"""From this `learned`, the subject is clearly learned."""
HIGH_DRIFT = 0.02
"""From this `drift`, prompts without the keyword change too."""


class LearnedNothing(Exception):
    """The best adapters are no measurable improvement on the base model."""


def report(checks: Sequence[QualityCheck], best_step: int) -> TrainingQuality:
    """The quality report of a run whose adapters at `best_step` were kept; raises
    LearnedNothing when even those learned nothing measurable."""
    best = next(check for check in checks if check.step == best_step)
    if best.learned < NOTHING:
        raise LearnedNothing(
            f"the model learned nothing measurable from these photos (its error on them is "
            f"{best.learned:.1%} lower than the base model's; at least {NOTHING:.0%} is "
            f"needed): upload more photos of the subject, in varied places and backgrounds, "
            f"or choose the training type that fits them"
        )
    return TrainingQuality(
        learned=best.learned,
        drift=best.drift,
        learned_verdict="strong" if best.learned >= STRONG else "weak",
        drift_verdict="high" if best.drift >= HIGH_DRIFT else "low",
        best_step=best_step,
        checks=list(checks),
    )
