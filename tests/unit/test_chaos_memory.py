"""scripts/chaos.py's soak arithmetic: growth within each process's life, pooled over the
restarts of an instance, tells a leak from the saw-tooth that restarts make."""

import importlib.util
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("chaos", ROOT / "scripts/chaos.py")
chaos = importlib.util.module_from_spec(spec)
spec.loader.exec_module(chaos)


class Sampled(chaos.Memory):
    """Samples given, not read from /proc."""

    def __init__(self, lives: dict[int, list[tuple[float, float]]], name: str = "inference-1"):
        super().__init__(platform=None)
        self.samples = lives
        self.names = dict.fromkeys(lives, name)


def lives(mib_per_h: float, restarts: int, life_s: float = 900, noise: float = 5.0):
    """A process started `restarts + 1` times, each life starting at 500 MiB and growing by
    `mib_per_h`, sampled every 10 s with some noise."""
    rng = random.Random(1)
    found, t = {}, 0.0
    for pid in range(restarts + 1):
        life = []
        for step in range(int(life_s / 10)):
            life.append((t, 500 + mib_per_h * step * 10 / 3600 + rng.uniform(-noise, noise)))
            t += 10
        found[100 + pid] = life
    return found


def test_a_steady_process_restarted_often_shows_no_growth_and_no_leak():
    memory = Sampled(lives(0, restarts=5))
    [row] = memory.table()
    assert abs(row["growth_mib_per_h"]) < 10
    assert row["processes"] == 6
    assert memory.leaks([row]) == []


def test_a_leak_shows_in_its_growth_per_hour_despite_restarts():
    memory = Sampled(lives(400, restarts=3))
    [row] = memory.table()
    assert 380 < row["growth_mib_per_h"] < 420
    assert memory.leaks([row]) == [
        "memory: inference-1 grows " + f"{row['growth_mib_per_h']:.0f} MiB/h"
    ]


def test_the_warm_up_and_short_runs_are_not_judged():
    """Loading a model in the first minutes is no leak; nor is growth seen too briefly."""
    warm = lives(0, restarts=0, life_s=1200)
    life = warm[100]
    warm[100] = [(t, mib + (300 if t >= 100 else t * 3)) for t, mib in life]  # loads, then flat
    [row] = Sampled(warm).table()
    assert abs(row["growth_mib_per_h"]) < 10
    brief = Sampled(lives(1000, restarts=0, life_s=300))
    assert brief.leaks(brief.table()) == []
