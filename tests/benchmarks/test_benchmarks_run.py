"""Benchmarks must not rot unseen: each script here runs at a tiny size and prints its
figures (the figures themselves are read by people, from full runs: see the README)."""

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def run(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / script), *args],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done.stdout


@pytest.mark.integration
def test_live_updates_benchmark_runs():
    out = run("bench_live_updates.py", "--streams", "20", "--seconds", "2")
    [line] = [line for line in out.splitlines() if "streams |" in line]
    assert "reads/s" in line and "p99" in line and "facts seen" in line


@pytest.mark.integration
def test_billing_benchmark_runs():
    out = run("bench_billing.py", "--n", "100", "--rate", "50", "--seconds", "1")
    assert "saturation: 100/100 debits" in out
    assert "steady 50/s for 1 s: 50/50 debited" in out
