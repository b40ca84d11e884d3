"""A trainer process stopped mid-job (as Kubernetes stops a pod it scales down): it stops the
job at the next step, stores a checkpoint there and hands the job back to the bus, which
delivers it again at once; the next process resumes it from that step, not from step 0 nor
from the last regular checkpoint, and without waiting for the job's lease to run out.
(SIGKILL, where the lease does run out: tests/e2e.)"""

import os
import signal
import sys
import time

import nats
import pytest
from bus_helpers import eventually
from trainer_bus import Trainer
from trainer_scenes import charged

from aitrain_local.process import ChildProcess
from contracts.bus.policy import HANDOVER_DELAY_S
from contracts.events import TrainingCompleted
from contracts.events.training import TrainingProgress

pytestmark = pytest.mark.integration


async def test_a_stopped_job_is_handed_over_and_resumes_from_its_checkpoint(
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
    event = charged(s3, embedded.bucket, "acct-crash", overrides={"steps": 300})
    first = ChildProcess("trainer-1", [sys.executable, "-m", "trainer"], tmp_path / "1.log", env)
    second = ChildProcess("trainer-2", [sys.executable, "-m", "trainer"], tmp_path / "2.log", env)
    await trainer.client.start()
    try:
        first.start()
        await trainer.client.publish(event)

        def past_a_checkpoint() -> bool:
            return any(p.step >= 60 for p in trainer.of(TrainingProgress, event.training_id))

        await eventually(past_a_checkpoint, timeout_s=300)
        stopping = time.monotonic()
        first.popen.send_signal(signal.SIGTERM)
        first.popen.wait(timeout=120)
        stopped_in_s = time.monotonic() - stopping
        # handed back: the job is there for the next trainer within seconds, where a lease
        # would hold it until 30 s after the process's last heartbeat
        assert await delivered_again(trainer.settings) == 2
        ran = max(p.step for p in trainer.of(TrainingProgress, event.training_id))
        second.start()
        completed = await trainer.outcome(event.training_id)
    finally:
        await trainer.client.stop()
        first.stop()
        second.stop()
    # within the bus's grace for running handlers (15 s), which a job that trained on to
    # its end, or to its next report, would spend
    assert stopped_in_s < 10, stopped_in_s
    assert isinstance(completed, TrainingCompleted), completed
    # where the first stopped (at its last report or just after), not at the last of the
    # checkpoints every 40 steps
    resumed = completed.metrics.resumed_from_step
    assert ran <= resumed <= ran + 5, (ran, resumed)
    assert s3.stat_object(embedded.bucket, completed.weights_key).size > 0


async def delivered_again(settings) -> int:
    """Take the next job from the trainers' consumer as a trainer would, and give it back at
    once: how often it has been delivered (0: none came within a few seconds)."""
    connection = await nats.connect(settings.nats_url)
    try:
        stream = settings.topology().event_stream
        jobs = await connection.jetstream().pull_subscribe_bind(
            durable="trainer-training-charged", stream=stream
        )
        try:
            [message] = await jobs.fetch(1, timeout=HANDOVER_DELAY_S + 3)
        except nats.errors.TimeoutError:
            return 0
        await message.nak()
        await connection.flush()
        return message.metadata.num_delivered
    finally:
        await connection.close()
