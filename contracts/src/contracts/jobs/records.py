"""The port a long job keeps its record through: how often it started, and how it ended.

The outcome is the event the job ended with, as JSON, so a redelivered job re-publishes it as
it was (the same event_id: JetStream drops the copy). One suite (contracts/tests/integration/
test_outcome_records_port.py) holds the fake and the MongoDB adapter to the same behaviour.
"""

from typing import Protocol


class OutcomeRecords(Protocol):
    async def start(self, job_id: str) -> int:
        """Count one more start of the job; returns how many starts came before this one."""

    async def outcome(self, job_id: str) -> dict | None:
        """The outcome event (JSON) the job ended with, or None while it has not ended."""

    async def finish(self, job_id: str, outcome: dict) -> None:
        """Record the outcome event (JSON) the job ended with."""
