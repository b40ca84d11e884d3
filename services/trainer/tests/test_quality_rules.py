"""A run's scores in words: strong or weak, low or high drift; and no model is sold when even
the best adapters learned nothing measurable."""

import pytest

from contracts.events.training import QualityCheck
from trainer.domain.quality import HIGH_DRIFT, NOTHING, STRONG, LearnedNothing, report

CHECKS = [
    QualityCheck(step=50, learned=0.05, drift=0.001),
    QualityCheck(step=100, learned=0.30, drift=0.004),
    QualityCheck(step=150, learned=0.31, drift=0.05),
]


def test_the_report_is_of_the_kept_adapters_with_every_check():
    quality = report(CHECKS, best_step=100)
    assert (quality.learned, quality.drift, quality.best_step) == (0.30, 0.004, 100)
    assert (quality.learned_verdict, quality.drift_verdict) == ("strong", "low")
    assert quality.checks == CHECKS


@pytest.mark.parametrize(
    ("learned", "drift", "verdicts"),
    [
        (STRONG, 0.0, ("strong", "low")),
        (STRONG - 0.01, 0.0, ("weak", "low")),
        (NOTHING, HIGH_DRIFT, ("weak", "high")),
    ],
)
def test_verdicts_follow_the_thresholds(learned, drift, verdicts):
    quality = report([QualityCheck(step=10, learned=learned, drift=drift)], best_step=10)
    assert (quality.learned_verdict, quality.drift_verdict) == verdicts


def test_a_model_that_learned_nothing_is_not_sold():
    flat = [QualityCheck(step=10, learned=NOTHING - 0.001, drift=0.0)]
    with pytest.raises(LearnedNothing, match="learned nothing measurable") as refused:
        report(flat, best_step=10)
    assert "more photos" in str(refused.value)
