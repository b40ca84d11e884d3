"""The figures a published event carries become metrics: credits by movement, training job
time and speed, generation time (from the golden examples of each event)."""

import json
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from contracts import events as ev
from contracts import metrics

GOLDEN = Path(__file__).parents[1] / "golden"


def golden(cls, **changes):
    return cls.model_validate(json.loads((GOLDEN / f"{cls.__name__}.json").read_text()) | changes)


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_published_events_move_the_credit_and_job_metrics():
    before = {
        m: value("aitrain_credits_total", movement=m) for m in ("charged", "debited", "refunded")
    }
    jobs, job_seconds = (
        value("aitrain_training_seconds_count"),
        value("aitrain_training_seconds_sum"),
    )
    images = value("aitrain_generation_seconds_count")
    completed = golden(ev.TrainingCompleted)
    for event in (
        golden(ev.TrainingCharged, credits_charged=1000),
        golden(ev.TrainingRefunded, credits_refunded=1000),
        golden(ev.CreditsDebited, credits_debited=20),
        golden(ev.CreditsRefunded, credits_refunded=5),
        completed,
        golden(ev.ImageGenerated),
        golden(ev.TrainingFailed),  # no figure: counted as published only
    ):
        metrics.published(event)
    moved = {m: value("aitrain_credits_total", movement=m) - before[m] for m in before}
    assert moved == {"charged": 1000, "debited": 20, "refunded": 1005}
    assert value("aitrain_training_seconds_count") - jobs == 1
    # a difference of float sums: exact only when nothing was observed before
    seconds = value("aitrain_training_seconds_sum") - job_seconds
    assert seconds == pytest.approx(completed.metrics.duration_s)
    assert value("aitrain_generation_seconds_count") - images == 1
