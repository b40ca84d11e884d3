"""A dead letter as the operator sees it: which consumer gave up on which event, and why."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Outcome = Literal["handled", "parked again", "failed", "running"]


@dataclass(frozen=True)
class Letter:
    letter_id: int
    """Its sequence in the dead-letter stream."""
    consumer: str
    subject: str
    deliveries: int
    reason: str
    failed_at: datetime
    payload: str

    @property
    def owner(self) -> str:
        """The service whose consumer it is (durables are named `<service>-<name>`)."""
        return self.consumer.split("-", 1)[0]

    @property
    def event(self) -> tuple[str | None, str | None]:
        """(event_type, event_id) of the event inside; None for what the payload does not say
        (a malformed payload is a reason to be parked)."""
        try:
            body = json.loads(self.payload)
        except ValueError:
            return None, None
        if not isinstance(body, dict):
            return None, None
        return _text(body.get("event_type")), _text(body.get("event_id"))


@dataclass(frozen=True)
class Replayed:
    outcome: Outcome
    reason: str | None = None
    """Why it was parked again, or failed."""
    new_id: int | None = None
    """Parked again: the letter that replaces it."""


def _text(value) -> str | None:
    return value if isinstance(value, str) else None
