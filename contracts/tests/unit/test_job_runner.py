"""The long-job skeleton, without a broker: a fake delivery, the in-memory records and a list
for an outbox (the delivery rules of docs/architecture.md: one outcome however often a job is
delivered, failures the user can fix, retries)."""

from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial

import pytest

from contracts import causation
from contracts.bus import PermanentError
from contracts.events import CreditsDebited, GenerationFailed, ImageGenerated
from contracts.events.common import GenerationSpec
from contracts.jobs import JobKind, JobRejected, JobRunner
from contracts.jobs.memory_records import MemoryOutcomeRecords

GENERATION = JobKind(noun="generation", verb="generate")
TRAINING = JobKind(noun="training", verb="train", ends_after_crashes=True)
MAX_ATTEMPTS = 3


@dataclass
class FakeDelivery:
    attempt: int = 1
    leased: bool = False

    @asynccontextmanager
    async def keep_leased(self):
        self.leased = True
        try:
            yield
        finally:
            self.leased = False


class Job:
    """A runner over fakes, and a job that does what a test tells it to."""

    def __init__(self, kind: JobKind = GENERATION):
        self.records, self.published, self.runs = MemoryOutcomeRecords(), [], 0
        self.runner = JobRunner(kind, self.records, self.publish, MAX_ATTEMPTS)
        self.cause = CreditsDebited.new(
            account_id="acct-1",
            generation_id="gen-1",
            spec=GenerationSpec(model_id="m", weights_key="k", keyword="zxq", prompt="a zxq"),
            credits_debited=5,
            balance_after=0,
        )

    async def publish(self, event) -> None:
        self.published.append(event)

    async def deliver(self, attempt: int = 1, error: Exception | None = None) -> FakeDelivery:
        delivery = FakeDelivery(attempt)

        async def work() -> ImageGenerated:
            self.runs += 1
            assert delivery.leased  # heartbeats run while the job works
            if error is not None:
                raise error
            return ImageGenerated.new(generation_id="gen-1", model_id="m", images=[], duration_s=1)

        failure = partial(GenerationFailed.new, generation_id="gen-1")
        cause = causation.Cause(self.cause.event_id, self.cause.correlation_id, "acct-1")
        with causation.handling(cause):  # as the bus calls a handler
            await self.runner.run("gen-1", delivery, work, failure)
        return delivery


async def test_the_outcome_is_recorded_then_published_and_the_lease_let_go():
    job = Job()
    delivery = await job.deliver()
    [generated] = job.published
    assert isinstance(generated, ImageGenerated) and not delivery.leased
    assert await job.records.outcome("gen-1") == generated.model_dump(mode="json")


async def test_a_job_delivered_again_republishes_the_identical_event_and_does_not_run():
    job = Job()
    await job.deliver()
    await job.deliver(attempt=2)
    first, again = job.published
    assert again == first and again.event_id == first.event_id and type(again) is ImageGenerated
    assert job.runs == 1


async def test_a_rejection_the_user_can_fix_ends_the_job_at_once():
    job = Job()
    await job.deliver(error=JobRejected("the model's weights are gone"))
    [failed] = job.published
    assert isinstance(failed, GenerationFailed) and failed.reason == "the model's weights are gone"
    assert (await job.records.outcome("gen-1"))["event_type"] == "GenerationFailed"
    assert issubclass(JobRejected, PermanentError)  # outside a runner: dead-lettered at once


async def test_a_platform_error_is_raised_for_redelivery_until_the_last_attempt():
    job = Job()
    for attempt in range(1, MAX_ATTEMPTS):
        with pytest.raises(OSError):
            await job.deliver(attempt, error=OSError("disk full"))
    assert job.published == [] and await job.records.outcome("gen-1") is None
    await job.deliver(MAX_ATTEMPTS, error=OSError("disk full"))
    [failed] = job.published
    assert failed.reason == "the platform failed to generate (OSError)"


async def test_jobs_that_crash_their_process_end_in_a_failure_on_the_last_attempt():
    job = Job(TRAINING)
    await job.records.start("gen-1")  # a start whose process died: no outcome, no error
    await job.records.start("gen-1")
    await job.deliver(MAX_ATTEMPTS)
    [failed] = job.published
    assert failed.reason == "the training stopped unexpectedly 2 times; try again later"
    assert job.runs == 0


async def test_an_earlier_crash_is_retried_before_the_last_attempt_and_a_first_start_runs():
    crashed, first = Job(TRAINING), Job(TRAINING)
    await crashed.records.start("gen-1")
    await crashed.deliver(attempt=2)
    await first.deliver(MAX_ATTEMPTS)  # redelivered after nacks, but never crashed: it runs
    assert crashed.runs == first.runs == 1
    assert all(isinstance(j.published[0], ImageGenerated) for j in (crashed, first))


async def test_only_kinds_that_end_after_crashes_count_their_starts():
    job = Job(GENERATION)
    await job.deliver()
    assert job.records.starts == {}
