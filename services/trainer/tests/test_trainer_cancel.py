"""Cancelling a training in the trainer, on the real bus, S3 and MongoDB protocol: a cancel
noted before the job starts ends it at step 0 untouched; one that arrives while it trains
stops it within seconds, its samples and checkpoint deleted, with the steps it ran; each
ends in exactly one TrainingCancelled. (A trainer SIGKILLed while cancelling, with billing's
one refund: tests/e2e/test_cluster.py.)"""

import time

import pytest
from bus_helpers import eventually, running
from pymongo import AsyncMongoClient
from trainer_bus import Trainer
from trainer_scenes import charged

from contracts.events import TrainingCancelled, TrainingCancelRequested
from contracts.events.training import TrainingProgress
from trainer.main import create_app

pytestmark = pytest.mark.integration


def cancel(event) -> TrainingCancelRequested:
    return TrainingCancelRequested.new(account_id=event.account_id, training_id=event.training_id)


async def test_a_cancel_stops_a_job_before_it_starts_and_while_it_trains(service_env, embedded, s3):
    trainer = Trainer(service_env)
    account = "acct-cancel"
    early = charged(s3, embedded.bucket, account, overrides={"steps": 60})
    job = charged(s3, embedded.bucket, account, overrides={"steps": 3000})
    mongo = AsyncMongoClient(embedded.mongo_url)
    records = mongo[trainer.settings.database("trainer")]["jobs"]

    async def cancel_noted() -> bool:
        record = await records.find_one(early.training_id)
        return bool(record) and record.get("cancel") == "requested"

    def trained_a_while() -> bool:
        return any(p.step >= 25 for p in trainer.of(TrainingProgress, job.training_id))

    async with running(create_app(trainer.settings)):
        await trainer.client.start()
        try:
            # cancelled before it is charged on: the job never trains
            await trainer.client.publish(cancel(early))
            await eventually(cancel_noted, timeout_s=30)
            await trainer.client.publish(early)
            stopped_early = await trainer.outcome(early.training_id)

            await trainer.client.publish(job)
            await eventually(trained_a_while, timeout_s=300)
            asked = time.monotonic()
            await trainer.client.publish(cancel(job))
            stopped = await trainer.outcome(job.training_id)
            stopped_in_s = time.monotonic() - asked
        finally:
            await trainer.client.stop()
            await mongo.close()

    assert isinstance(stopped_early, TrainingCancelled), stopped_early
    assert (stopped_early.steps_run, stopped_early.total_steps) == (0, 60)
    assert trainer.of(TrainingProgress, early.training_id) == []

    assert isinstance(stopped, TrainingCancelled), stopped
    last_report = max(p.step for p in trainer.of(TrainingProgress, job.training_id))
    assert 25 <= last_report <= stopped.steps_run < 3000
    assert stopped.total_steps == 3000 and stopped.account_id == account
    print(f"\nstopped {stopped_in_s:.1f} s after the cancel, at step {stopped.steps_run}")
    assert stopped_in_s < 10, stopped_in_s  # one poll (1 s) and a step or two, with slack
    # nothing of the job is kept: no checkpoint, no samples, no weights
    left = [o.object_name for o in s3.list_objects(embedded.bucket, f"accounts/{account}/", True)]
    assert [key for key in left if "/datasets/" not in key] == []
