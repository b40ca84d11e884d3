"""Job records in memory, for tests (the port suite holds it to MongoDB's behaviour)."""

import copy


class MemoryOutcomeRecords:
    def __init__(self) -> None:
        self.starts: dict[str, int] = {}
        self.outcomes: dict[str, dict] = {}
        self.cancels: set[str] = set()

    async def start(self, job_id: str) -> int:
        earlier = self.starts.get(job_id, 0)
        self.starts[job_id] = earlier + 1
        return earlier

    async def outcome(self, job_id: str) -> dict | None:
        # a copy, as a database hands out: a caller's change never alters the record
        return copy.deepcopy(self.outcomes.get(job_id))

    async def finish(self, job_id: str, outcome: dict) -> None:
        self.outcomes[job_id] = copy.deepcopy(outcome)

    async def cancel(self, job_id: str) -> None:
        self.cancels.add(job_id)

    async def cancel_requested(self, job_id: str) -> bool:
        return job_id in self.cancels
