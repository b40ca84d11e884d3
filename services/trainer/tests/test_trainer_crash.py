"""A trainer process killed mid-job: JetStream redelivers the job, and the next process
resumes it from the last checkpoint instead of step 0."""

import os
import signal
import sys

import pytest
from bus_helpers import eventually
from trainer_bus import Trainer
from trainer_scenes import charged

from aitrain_local.process import ChildProcess
from contracts.events import TrainingCompleted
from contracts.events.training import TrainingProgress

pytestmark = pytest.mark.integration


@pytest.mark.timeout(900)  # includes JetStream's 30 s ack wait before redelivery
async def test_a_killed_job_is_redelivered_and_resumes_from_its_checkpoint(
    service_env,
    embedded,
    s3,
    tmp_path,
):
    env = os.environ | service_env | {
        "TRAINER_REPORT_EVERY_S": "0",
        "TRAINER_SAMPLE_EVERY_STEPS": "0",
        "TRAINER_CHECKPOINT_EVERY_STEPS": "40",
    }  # fmt: skip
    trainer = Trainer(service_env)
    event = charged(s3, embedded.bucket, "acct-crash", overrides={"steps": 200})
    first = ChildProcess("trainer-1", [sys.executable, "-m", "trainer"], tmp_path / "1.log", env)
    second = ChildProcess("trainer-2", [sys.executable, "-m", "trainer"], tmp_path / "2.log", env)
    await trainer.client.start()
    try:
        first.start()
        await trainer.client.publish(event)

        def past_a_checkpoint() -> bool:
            return any(p.step >= 60 for p in trainer.of(TrainingProgress, event.training_id))

        await eventually(past_a_checkpoint, timeout_s=300)
        first.popen.send_signal(signal.SIGKILL)
        first.popen.wait()
        second.start()
        completed = await trainer.outcome(event.training_id)
    finally:
        await trainer.client.stop()
        first.stop()
        second.stop()
    assert isinstance(completed, TrainingCompleted), completed
    # the killed process had passed step 40's checkpoint (and maybe 80's)
    assert completed.metrics.resumed_from_step in (40, 80)
    assert s3.stat_object(embedded.bucket, completed.weights_key).size > 0
