"""Sign-in rules: what an email and a password must look like, and how failed attempts slow
down the next ones (per account and per address)."""

import re
from dataclasses import dataclass

from gateway.domain.errors import Invalid

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
MIN_PASSWORD, MAX_PASSWORD = 10, 256
WRONG = "wrong email or password"


def email_of(text: str) -> str:
    """The normalised email, or Invalid saying what is wrong."""
    email = text.strip().lower()
    if len(email) > 254 or not EMAIL.match(email):
        raise Invalid(f"{text.strip()!r} is not an email address, e.g. alice@example.com")
    return email


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"choose a password of at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise Invalid(f"a password may have at most {MAX_PASSWORD} characters")


@dataclass(frozen=True)
class Backoff:
    """`free` failures are allowed; after those each one doubles the wait before the next
    attempt (1 s, 2 s, 4 s … up to `cap_s`). Failures older than `window_s` are forgotten."""

    free: int
    window_s: float = 900
    cap_s: float = 900

    def wait_s(self, failures: int, last_at: float, now: float) -> float:
        if failures < self.free or now - last_at > self.window_s:
            return 0.0
        wait = min(2.0 ** (failures - self.free), self.cap_s)
        return max(0.0, last_at + wait - now)


PER_ACCOUNT = Backoff(free=5)
PER_ADDRESS = Backoff(free=20)  # many people may share one address (NAT, an office)
