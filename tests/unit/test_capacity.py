"""scripts/capacity.py: the queue simulation agrees with queueing theory where theory has an
answer, and the autoscaler behaves as KEDA's defaults say (caps, scale to zero, accounting)."""

import importlib.util
import random
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("capacity", ROOT / "scripts/capacity.py")
capacity = importlib.util.module_from_spec(spec)
spec.loader.exec_module(capacity)

HOUR = capacity.HOUR


@pytest.mark.parametrize("load", [0.3, 0.6])
def test_one_always_on_pod_waits_as_md1(load):
    """M/D/1: mean wait = rho * D / (2 (1 - rho)); Poisson arrivals at a flat rate, one pod
    that is always there, every job exactly D seconds."""
    service = 60.0
    per_day = load / service * capacity.DAY
    times = capacity.arrivals(per_day, days=40, peak_ratio=1.0, rng=random.Random(7))
    jobs = [(t, service) for t in times]
    one = capacity.Scaler(min_replicas=1, max_replicas=1)
    result = capacity.simulate(jobs, one, initial_pods=1)
    mean = sum(w for _, w in result.waits) / len(result.waits)
    assert len(result.waits) == len(jobs)
    assert mean == pytest.approx(load * service / (2 * (1 - load)), rel=0.1)


def sdxl_day(per_day: float, seed: int = 3):
    work = capacity.WORKLOADS["sdxl-h100"]
    jobs = capacity.training_jobs(per_day, 1, 2.0, work, random.Random(seed))
    return jobs, capacity.Scaler(startup_s=work.startup_s, checkpoint_share=0.125)


def test_more_replicas_never_raise_the_p95_wait():
    """Up a ladder of caps the p95 wait falls (a few seconds of noise allowed: the pods' start-up
    draws differ between runs), and no run has more pods than its cap."""
    jobs, scaler = sdxl_day(1000)
    p95s = []
    for cap in (4, 8, 16, 32, 64):
        result = capacity.simulate(jobs, replace(scaler, max_replicas=cap), seed=3)
        assert result.peak_pods <= cap
        p95s.append(result.wait(0.95))
    assert all(later <= earlier + 10 for earlier, later in pairwise(p95s))
    assert p95s[-1] < p95s[0] / 100  # 4 pods cannot carry 1000 SDXL trainings a day


def test_pod_hours_cover_the_work_and_handed_over_jobs_finish_once():
    """Pod-seconds hold every busy second (start-up and idle come on top); busy time holds every
    job's service, more where a scaled-down pod handed its job over and some was redone."""
    jobs, scaler = sdxl_day(1000)
    result = capacity.simulate(jobs, replace(scaler, max_replicas=1000), seed=3, timeline=True)
    assert result.handovers > 0  # Kubernetes' ranking removes busy pods too
    assert len(result.waits) == len(jobs)
    assert result.busy_seconds >= sum(service for _, service in jobs) - 1e-6
    assert result.pod_seconds > result.busy_seconds
    integral = result.pod_seconds_between(0, result.span_s)
    assert integral == pytest.approx(result.pod_seconds)


def test_deletion_cost_spares_busy_pods():
    jobs, scaler = sdxl_day(1000)
    result = capacity.simulate(jobs, replace(scaler, idle_first=True), seed=3)
    assert result.handovers == 0


def test_pods_scale_to_zero_after_the_cooldown_and_wake_up():
    """A burst in the first hour, nothing until one job at 10 h: the pods stay through the
    cooldown after the burst's last job, are gone after it, and come back for the late job."""
    rng = random.Random(5)
    burst = sorted(rng.uniform(0, HOUR) for _ in range(20))
    jobs = [(t, 100.0) for t in burst] + [(10 * HOUR, 100.0)]
    scaler = capacity.Scaler(startup_s=90.0, startup_sigma=0.0, idle_first=True)
    result = capacity.simulate(jobs, scaler, timeline=True)
    assert result.handovers == 0
    last_done = max(t + w + 100.0 for t, w in result.waits if t < 10 * HOUR)
    cooldown_end = last_done + scaler.cooldown_s + scaler.poll_s
    # at least one pod through the cooldown, none from its end until the late job
    held = result.pod_seconds_between(last_done, last_done + scaler.cooldown_s - scaler.poll_s)
    assert held >= scaler.cooldown_s - scaler.poll_s
    assert result.pod_seconds_between(cooldown_end, 10 * HOUR) == 0
    assert result.pod_seconds_between(10 * HOUR, result.span_s) > 100.0
    # the late job waits for a cold start: the poll, then the pod's start-up
    late_wait = result.waits[-1][1]
    assert scaler.startup_s <= late_wait <= scaler.startup_s + scaler.poll_s
