"""Webhooks: what an account's endpoints may subscribe to, what is kept about each delivery,
and when a failed delivery is tried again.

Delivery follows the Standard Webhooks spec (standardwebhooks.com): a JSON body
`{"type", "timestamp", "data"}`, signed with the endpoint's secret (domain/signing.py), the same
`webhook-id` on every attempt of one message, at least once, in no guaranteed order.
"""

from dataclasses import dataclass

EVENT_TYPES = (
    "training.completed",
    "training.failed",
    "training.rejected",
    "training.cancelled",
    "generation.completed",
    "generation.failed",
    "model.deleted",
)
"""What an endpoint may subscribe to (domain/announcements.py says which bus event is which)."""
TEST_TYPE = "webhook.test"
"""Sent by "send test event" to one endpoint, whatever it subscribed to."""

RETRY_SCHEDULE_S = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 6 * 3600)
"""Waits between attempts after a failure (Standard Webhooks' suggested schedule, cut to a
day): 8 attempts over about 24 h, then the message has failed and its endpoint is disabled."""
MAX_ENDPOINTS = 10
"""Endpoints per account."""
KEEP_LOG_S = 30 * 24 * 3600
"""Deliveries and their attempts are forgotten after 30 days."""

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


@dataclass
class Endpoint:
    endpoint_id: str
    account_id: str
    url: str
    events: list[str]
    secret: str
    """`whsec_…`, shown once when the endpoint is made; kept to sign every message."""
    created_at: float
    description: str = ""
    enabled: bool = True
    disabled_reason: str | None = None
    """Why the platform disabled it (every attempt of a message failed for a day)."""
    disabled_at: float | None = None

    def wants(self, event_type: str) -> bool:
        return self.enabled and event_type in self.events


@dataclass
class Delivery:
    """One message to one endpoint, with every attempt to send it."""

    delivery_id: str
    """The `webhook-id` header: the same on every attempt, so a receiver drops repeats."""
    endpoint_id: str
    account_id: str
    type: str
    body: str
    """The JSON sent, byte for byte the same on every attempt."""
    created_at: float
    state: str = PENDING
    attempts: int = 0
    next_at: float = 0.0
    """When it is due (pending): at once, then after each wait of the schedule."""
    last_status: int | None = None
    last_error: str | None = None
    claim: str = ""
    """Who is sending it now: a settle writes only under the claim it was sent under (a
    token, not a time: the embedded server does not keep every digit of a float)."""


@dataclass
class Attempt:
    attempt_id: str
    delivery_id: str
    endpoint_id: str
    account_id: str
    at: float
    status_code: int | None
    """The receiver's HTTP status; None when no answer came (then `error` says why)."""
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class Outcome:
    """What a delivery becomes after one attempt."""

    state: str
    next_at: float
    gives_up: bool
    """The last attempt failed: the endpoint is disabled."""


def after_attempt(
    attempt: Attempt, attempts_before: int, schedule: tuple[float, ...] = RETRY_SCHEDULE_S
) -> Outcome:
    """Delivered on a 2xx; otherwise due again after the schedule's next wait, or failed for
    good once the schedule is spent."""
    if attempt.ok:
        return Outcome(DELIVERED, 0.0, False)
    if attempts_before < len(schedule):
        return Outcome(PENDING, attempt.at + schedule[attempts_before], False)
    return Outcome(FAILED, 0.0, True)


def give_up_reason(attempts: int, schedule: tuple[float, ...], attempt: Attempt) -> str:
    last = f"HTTP {attempt.status_code}" if attempt.status_code else attempt.error
    return (
        f"{attempts} attempts over {_span(sum(schedule))} failed (last: {last}); "
        "fix the endpoint, then enable it again"
    )


def parse_schedule(text: str) -> tuple[float, ...]:
    """`5,300,1800`: the waits in seconds; empty means the default schedule."""
    if not text.strip():
        return RETRY_SCHEDULE_S
    waits = tuple(float(part) for part in text.split(","))
    if any(wait < 0 for wait in waits):
        raise ValueError(f"WEBHOOK_RETRY_SCHEDULE_S holds a negative wait: {text}")
    return waits


def _span(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.0f} h"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"
