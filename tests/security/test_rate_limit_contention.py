"""A rate limit holds under concurrency: many requests of one key at once, on two gateway
replicas sharing the bucket on the real bus, get no more through than the burst plus what
refilled meanwhile. A request that keeps losing the race for the shared count is refused
(429, retry in a moment), never let through uncounted. The measurement is
scripts/bench_rate_limits.py's, which prints it at 1, 10 and 40 connections."""

import importlib.util
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parents[2] / "scripts" / "bench_rate_limits.py"
spec = importlib.util.spec_from_file_location("bench_rate_limits", SCRIPT)
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


async def test_forty_connections_get_no_more_than_the_burst_and_the_refill(embedded):
    seen = await bench.contend(embedded.nats_url, connections=40, seconds=2.0)
    assert seen["refused"] > seen["allowed"], seen  # it was really contended
    assert seen["allowed"] <= seen["due"] + 1, seen


def test_the_benchmark_runs():
    """At a tenth of a second per step (its figures are read by a person)."""
    args = [sys.executable, SCRIPT, "--seconds", "0.1", "--connections", "1", "4"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [line.split()[0] for line in done.stdout.splitlines()[-2:]] == ["1", "4"]
