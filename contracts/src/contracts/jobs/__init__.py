"""Long jobs (a training, a generation): the skeleton every delivery of one runs in, and the
records of how each job ended. Adapters: `contracts.jobs.mongo_records` (production) and
`contracts.jobs.memory_records` (tests)."""

from contracts.jobs.records import OutcomeRecords
from contracts.jobs.runner import JobKind, JobRejected, JobRunner, Lease

__all__ = ["JobKind", "JobRejected", "JobRunner", "Lease", "OutcomeRecords"]
