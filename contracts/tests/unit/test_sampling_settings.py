"""One definition of how images are drawn, read from SAMPLING_*; CPU threads from
TORCH_THREADS or the cores the process may use."""

import os

from contracts.sampling import Sampling, output_size, preview_size
from contracts.settings import ModelSettings


def test_sampling_comes_from_the_environment(monkeypatch):
    assert ModelSettings().sampling() == Sampling()
    monkeypatch.setenv("SAMPLING_SCHEDULER", "EulerDiscreteScheduler")
    monkeypatch.setenv("SAMPLING_STEPS", "30")
    monkeypatch.setenv("SAMPLING_GUIDANCE", "7.5")
    assert ModelSettings().sampling() == Sampling("EulerDiscreteScheduler", 30, 7.5)


def test_previews_are_square_generations_at_the_native_area():
    assert preview_size(64) == output_size("1:1", "720p", 64) == (64, 64)
    assert preview_size(1024) == (1024, 1024)


def test_threads_default_to_the_cores_the_process_may_use(monkeypatch):
    monkeypatch.delenv("TORCH_THREADS", raising=False)  # `make test`'s workers set it
    assert ModelSettings().cpu_threads() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("TORCH_THREADS", "1")
    assert ModelSettings().cpu_threads() == 1
