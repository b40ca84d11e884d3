"""Rate limits, pure: which limits a request counts against, and the token bucket itself.

The bucket is GCRA (the generic cell rate algorithm): one number per key, the "theoretical
arrival time", so a shared store needs one compare-and-set per request. `limit` requests
per `period_s`, of which `burst` may come at once.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    name: str
    limit: int
    period_s: float
    burst: int

    @property
    def interval_s(self) -> float:
        return self.period_s / self.limit

    def scaled(self, factor: float) -> "Rule":
        limit, burst = max(1, round(self.limit * factor)), max(1, round(self.burst * factor))
        return Rule(self.name, limit, self.period_s, burst)

    def policy(self) -> str:
        """The RateLimit-Policy header's item: `<limit>;w=<window seconds>`."""
        return f"{self.limit};w={round(self.period_s)}"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    remaining: int
    reset_s: float
    """Seconds until the bucket is full again."""
    retry_after_s: float
    """Seconds until a refused request would pass (0 when allowed)."""
    tat: float
    """The new theoretical arrival time to store (unchanged when refused)."""


def take(rule: Rule, stored_tat: float | None, now: float) -> Verdict:
    """One request against a bucket whose state is `stored_tat` (None: never used)."""
    interval, capacity = rule.interval_s, rule.interval_s * rule.burst
    tat = max(stored_tat or now, now)
    new_tat = tat + interval
    allowed_at = new_tat - capacity
    if now < allowed_at:
        remaining = 0
        return Verdict(False, remaining, tat - now, allowed_at - now, tat)
    remaining = int((capacity - (new_tat - now)) / interval + 1e-9)
    return Verdict(True, remaining, new_tat - now, 0.0, new_tat)


def contended(rule: Rule, now: float) -> Verdict:
    """A refusal for a request that kept losing the race for the bucket's shared count: so
    many came at once that it most likely would not have passed; it may retry after one
    interval."""
    return Verdict(False, 0, rule.interval_s, rule.interval_s, now)


# Per minute; `RATE_LIMIT_SCALE` multiplies them all (0 turns limits off).
MINUTE = 60.0
PER_ADDRESS = Rule("address", 1200, MINUTE, 300)
"""Every request, by client address, before anything else (also unauthenticated ones)."""
PER_CALLER = Rule("caller", 600, MINUTE, 120)
"""Every request of one API key or one dashboard session."""
SIGN_IN = Rule("sign-in", 10, MINUTE, 10)
"""Sign-in, sign-up and set-password attempts by address (failures also slow down)."""
UPLOADS = Rule("uploads", 10, MINUTE, 5)
"""Training uploads, by caller (the upload quota also bounds a day)."""
GENERATIONS = Rule("generations", 60, MINUTE, 20)
"""Generation requests, by caller."""

SIGN_IN_PATHS = frozenset({"/v1/sessions", "/v1/sign-ups", "/v1/password"})


def rules_for(method: str, path: str) -> list[Rule]:
    """The limits a request counts against beyond PER_ADDRESS and PER_CALLER."""
    if method != "POST":
        return []
    if path in SIGN_IN_PATHS:
        return [SIGN_IN]
    if path == "/v1/trainings":
        return [UPLOADS]
    if path == "/v1/generations":
        return [GENERATIONS]
    return []
