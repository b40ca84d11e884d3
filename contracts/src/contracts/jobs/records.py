"""The port a long job keeps its record through: how often it started, whether its user
asked to stop it, and how it ended.

A cancel request is kept on the same record, so any process (the one running the job, or
the one the job is redelivered to) reads it there.

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

    async def cancel(self, job_id: str) -> None:
        """Note that the job's user asked to stop it (before it starts, or while it runs)."""

    async def cancel_requested(self, job_id: str) -> bool:
        """Whether the job's user asked to stop it."""
