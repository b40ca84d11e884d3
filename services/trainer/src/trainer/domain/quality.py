"""What a job's scores (engine/evaluation.py) tell its user, and when a job learned nothing
worth selling: pure rules, no torch.

Thresholds: on the committed base model the trainer tests' subject scores `learned` 0.78
after 60 steps with drift 0.002 (trainer README, "How a job runs", 7). Even the UNet at a
learning rate of 1e-6 scores 0.73 there, as the text encoder's adapter learns the keyword,
so NOTHING catches only runs whose adapters did not move at all.
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
