"""What happens to a delivered message: ack, retry later, or dead-letter — a pure decision.

Kept apart from the I/O so the delivery rules (docs/architecture.md) are tested without a broker.
"""

from dataclasses import dataclass

from contracts.bus.errors import Handover, PermanentError
from contracts.bus.topology import ConsumerDefaults

HANDOVER_DELAY_S = 2.0
"""A job a stopping process hands back waits this long: its connection closes meanwhile, and
its last pull request with it, which would otherwise take the job straight back."""


@dataclass(frozen=True)
class Ack:
    """Handled: done with it."""


@dataclass(frozen=True)
class Retry:
    """A transient failure: JetStream redelivers it after `delay_s`."""

    delay_s: float
    reason: str


@dataclass(frozen=True)
class Park:
    """Cannot be handled: goes to the dead letters with its reason, then is acked."""

    reason: str


Verdict = Ack | Retry | Park


def before_handling(attempt: int, limits: ConsumerDefaults) -> Park | None:
    """Every handler attempt ended without a verdict (the process died or hung): park it."""
    if attempt > limits.max_attempts:
        return Park(f"no attempt finished in {limits.max_attempts} (crash or ack timeout)")
    return None


def after_handling(error: Exception | None, attempt: int, limits: ConsumerDefaults) -> Verdict:
    if error is None:
        return Ack()
    if isinstance(error, PermanentError):
        return Park(f"permanent error: {error}")
    reason = f"{type(error).__name__}: {error}"
    if attempt >= limits.max_attempts:
        return Park(f"gave up: {reason}")
    delay = HANDOVER_DELAY_S if isinstance(error, Handover) else limits.retry_delay(attempt)
    return Retry(delay, reason)
