"""When to report progress, sample and checkpoint, and the smoothed loss and ETA to report.

Reports go out at most every `report_every_s` seconds (and at the last step), never every
step: a fast job would flood the bus and each report costs the GPU a host sync.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Pacing:
    report_every_s: float = 2.0
    sample_every_steps: int = 100
    checkpoint_every_steps: int = 50


class ProgressClock:
    def __init__(self, pacing: Pacing, total_steps: int, first_step: int, started_at: float):
        self.pacing, self.total = pacing, total_steps
        self.first_step, self.started_at = first_step, started_at
        self.last_report_at: float | None = None

    def report_due(self, step: int, now: float) -> bool:
        if step >= self.total:
            return True
        if self.last_report_at is None or now - self.last_report_at >= self.pacing.report_every_s:
            self.last_report_at = now
            return True
        return False

    def sample_due(self, step: int) -> bool:
        every = self.pacing.sample_every_steps
        return step >= self.total or (every > 0 and step % every == 0)

    def checkpoint_due(self, step: int) -> bool:
        every = self.pacing.checkpoint_every_steps
        return step < self.total and every > 0 and step % every == 0

    def eta_seconds(self, step: int, now: float) -> float | None:
        done = step - self.first_step
        if done <= 0:
            return None
        return max(0.0, (now - self.started_at) / done * (self.total - step))
