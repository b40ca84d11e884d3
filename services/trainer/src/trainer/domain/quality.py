"""What a job's scores (engine/evaluation.py) tell its user, and when a job learned nothing
worth selling: pure rules, no torch.

Thresholds, measured on the committed base model with the learning test's subject and the
character preset (300 steps, 24 images judged; `scripts/measure_learned.py`): the preset
scores `learned` 0.47 (drift 0.0006) and the judge finds the subject in 62 % of its images,
against the base model's 38 %. With the UNet at a learning rate of 1e-6 it still scores
0.32, and rightly: the text encoder's adapter (5e-4) learns the keyword, and the subject is
in 62 % of the images again. With both adapters at 1e-6 it scores 0.016 (the subject in
42 %: nothing learned) and is refunded; with the text encoder's adapter off, 0.008 (42 %).

A keyword-removed control (the gain less the gain with the keyword taken out of the
captions) was measured and not kept: it scores the subject 0.35 and an adapter that learned
nothing 0.009, but a working style model 0.02 (UNet only, its look bound to "in the style
of" as much as to its keyword), so it would refund good style models.
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
