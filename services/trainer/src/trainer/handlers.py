"""Trainer use cases: train a LoRA for a charged training; stop one its user cancelled; drop a
deleted model's files.

The same TrainingCharged delivered again makes no second model: ids and keys derive from
the training id, an ended job re-publishes its recorded outcome, and an unfinished one
resumes from its last checkpoint. A failure the user can act on (a missing image, a
diverged run, a model that learned nothing measurable) ends in TrainingFailed at once; a
platform failure is retried, and on the last attempt also ends in TrainingFailed. Billing
refunds every TrainingFailed, and nothing hangs (`contracts.jobs.JobRunner`).

A cancel (TrainingCancelRequested) is noted on the job's record by whichever process takes
it; the process running the job reads the record before its steps (at most every
CANCEL_POLL_S), a job not yet started reads it before it starts, and the job ends in
TrainingCancelled with the steps it kept: its checkpoint and samples are deleted, and billing
refunds the unrun share (`contracts.refunds`).

Which job a process runs is the fair queue's choice (`trainer.queue`): each delivered
TrainingCharged is a turn that runs the job going first, under that job's own ids.

A process told to stop (`leave`: its pod scaled down) stops its job at the next step, stores
a checkpoint there and hands the turn back to the bus (`Handover`), which delivers it again
two seconds later: another trainer resumes the job within seconds, not after the lease runs out.
"""

import asyncio
import io
import math
import threading
import time
from collections.abc import Awaitable, Callable
from functools import partial

import structlog
from PIL import Image

from contracts import causation, metrics
from contracts.bases import NotServed
from contracts.bus import Delivery, Handover
from contracts.envelope import Event
from contracts.events import (
    ModelDeleted,
    TrainingCancelled,
    TrainingCancelRequested,
    TrainingCharged,
    TrainingCompleted,
    TrainingFailed,
)
from contracts.events.training import QualityCheck, TrainingMetrics, TrainingProgress
from contracts.jobs import JobKind, JobRejected, JobRunner, OutcomeRecords
from trainer import job
from trainer.domain import keys
from trainer.domain.pacing import Pacing
from trainer.domain.presets import plan
from trainer.domain.quality import LearnedNothing, report
from trainer.engine import families
from trainer.engine.kohya import kohya_file
from trainer.engine.memory import TooBig
from trainer.engine.served import ServedBases
from trainer.engine.weights import fingerprint, read_checkpoint
from trainer.ports import ObjectStore
from trainer.queue import JobQueue

log = structlog.get_logger(__name__)
Publish = Callable[[Event], Awaitable[None]]
# a job can take its process down (out of memory): give up on those before they loop
TRAINING = JobKind(noun="training", verb="train", ends_after_crashes=True)
CANCEL_POLL_S = 1.0
"""How often a running job reads its record for a cancel: a cancel stops it within about this
long (plus one step), and the database sees one read a second per running job."""


class TrainerHandlers:
    def __init__(
        self,
        bases: ServedBases,
        storage: ObjectStore,
        records: OutcomeRecords,
        publish: Publish,
        max_attempts: int,
        queue: JobQueue,
        pacing: Pacing | None = None,
    ):
        self.bases, self.storage, self.publish = bases, storage, publish
        self.records, self.queue = records, queue
        self.jobs = JobRunner(TRAINING, records, publish, max_attempts)
        self.pacing = pacing or Pacing()
        self.leaving = threading.Event()  # read by the training thread before each step

    def leave(self) -> None:
        """The process is stopping: a running job hands itself over (see the module's text)."""
        self.leaving.set()

    async def on_training_charged(self, event: TrainingCharged, delivery: Delivery) -> None:
        """A turn: train the job that goes first in the fair queue (this one's or another's),
        reporting progress; publish its model or its failure."""
        await self.queue.add(event)
        job = await self.queue.take(turn=event.training_id)
        if job is None:  # its job ran on a turn delivered twice (each turn runs one)
            log.info("trainer.nothing_waiting", turn=event.training_id)
            return
        if job.training_id != event.training_id:
            log.info("trainer.turn_taken", turn=event.training_id, training_id=job.training_id)
        cause = causation.Cause(job.event_id, job.correlation_id, job.account_id)
        with causation.handling(cause):  # what it says carries the job's ids, not the turn's
            await self._run(job, delivery)

    async def on_training_paid(self, event: TrainingCharged, delivery: Delivery) -> None:
        """Put the paid job in the fair queue at once, before its own turn comes."""
        await self.queue.add(event)

    async def _run(self, job: TrainingCharged, delivery: Delivery) -> None:
        metrics.job_started("training", job, delivery.attempt)
        failure = partial(TrainingFailed.new, training_id=job.training_id)
        await self.jobs.run(job.training_id, delivery, lambda: self._train(job), failure)
        await self.queue.finish(job.training_id)
        # the job has ended (now or before) and never resumes: its checkpoint is only storage
        await self.storage.delete_prefix(keys.job_prefix(job.account_id, job.training_id))

    async def _train(self, event: TrainingCharged) -> TrainingCompleted | TrainingCancelled:
        spec, account = event.spec, event.account_id
        model_id = keys.model_id(event.training_id)
        try:
            entry, base = await asyncio.to_thread(self.bases.get, spec.base)
        except NotServed as exc:
            raise JobRejected(str(exc)) from exc
        table = entry.preset_table
        chosen = plan(spec.training_type, len(spec.images), spec.overrides, 0, table)
        marker = fingerprint(dataset=spec.dataset_hash, plan=repr(chosen), base=base.name)
        checkpoint_key = keys.checkpoint_key(account, event.training_id)
        stored = await self.storage.get(checkpoint_key)
        resume = read_checkpoint(stored, marker) if stored else None
        if await self.records.cancel_requested(event.training_id):  # before it (re)starts
            kept = resume[1] if resume else 0
            return await self._cancelled(event, model_id, kept, chosen.steps)
        images = [await self._image(image.key) for image in spec.images]
        framed = [await self._image(i.framed_key) if i.framed_key else None for i in spec.images]
        captions = [image.caption for image in spec.images]
        captions = families.keyword_read(base, captions, spec.keyword)
        # which process runs which job (and from where): how replicas share the work
        log.info(
            "trainer.training", training_id=event.training_id, from_step=resume[1] if resume else 0
        )
        facts = {
            "base_model": base.name,
            "base": entry.name,
            "rank": chosen.rank,
            "text_encoder_rank": chosen.text_encoder_rank,
            "keyword": spec.keyword,
            "training_type": spec.training_type,
            "steps": chosen.steps,
            "dataset_hash": spec.dataset_hash,
        }
        reports = _Reports(self, event, model_id, checkpoint_key, asyncio.get_running_loop())
        cuts = [(image.original_size, image.crop_top_left) for image in spec.images]
        inputs = job.JobInputs(images, captions, chosen, facts, resume, marker, framed, cuts)
        try:
            outcome = await asyncio.to_thread(job.run, base, inputs, reports, self.pacing)
        except job.Cancelled as stop:
            return await self._cancelled(event, model_id, stop.steps_run, chosen.steps)
        except job.HandedOver as stop:
            log.info("trainer.handed_over", training_id=event.training_id, step=stop.step)
            raise Handover(str(stop)) from stop
        except TooBig as exc:  # the same pod would fail the same way again: refunded now
            raise JobRejected(str(exc)) from exc
        if not math.isfinite(outcome.final_loss):
            raise JobRejected(
                "training diverged (the loss became infinite); lower the learning rate"
            )
        checks = [
            QualityCheck(step=s.step, learned=round(s.learned, 4), drift=round(s.drift, 5))
            for s in outcome.scores
        ]
        try:
            quality = report(checks, outcome.best.step)
        except LearnedNothing as exc:  # a model that does nothing is not sold: refunded
            raise JobRejected(str(exc)) from exc
        weights_key = keys.weights_key(account, model_id)
        await self.storage.put(weights_key, outcome.lora, "application/octet-stream")
        kohya_key = keys.kohya_weights_key(account, model_id)  # the same LoRA for ComfyUI, A1111
        kohya = await asyncio.to_thread(kohya_file, outcome.lora)
        await self.storage.put(kohya_key, kohya, "application/octet-stream")
        log.info("trainer.trained", training_id=event.training_id, stages=outcome.stage_seconds)
        return TrainingCompleted.new(
            training_id=event.training_id,
            model_id=model_id,
            training_type=spec.training_type,
            keyword=spec.keyword,
            base_model=base.name,
            base=entry.name,
            weights_key=weights_key,
            kohya_weights_key=kohya_key,
            sample_image_keys=reports.sample_keys[-1:],
            metrics=TrainingMetrics(
                final_loss=outcome.final_loss,
                duration_s=sum(outcome.stage_seconds.values()),
                steps_per_s=outcome.steps_per_s,
                peak_memory_mb=outcome.peak_memory_mb,
                resumed_from_step=outcome.resumed_from_step,
            ),
            quality=quality,
        )

    async def _cancelled(
        self, event: TrainingCharged, model_id: str, steps_run: int, total_steps: int
    ) -> TrainingCancelled:
        """End a cancelled job: its samples go (the checkpoint goes as every ended job's)."""
        await self.storage.delete_prefix(keys.model_prefix(event.account_id, model_id))
        log.info("trainer.cancelled", training_id=event.training_id, steps_run=steps_run)
        return TrainingCancelled.new(
            training_id=event.training_id, steps_run=steps_run, total_steps=total_steps
        )

    async def on_cancel_requested(self, event: TrainingCancelRequested, delivery: Delivery):
        """Note the cancel on the job's record, where the process running the job (or the
        one it will be delivered to) reads it."""
        await self.records.cancel(event.training_id)
        await self.queue.cancel(event.training_id)  # a waiting one goes first, to end at once
        log.info("trainer.cancel_noted", training_id=event.training_id)

    async def _image(self, key: str) -> Image.Image:
        data = await self.storage.get(key)
        if data is None:
            raise JobRejected("a processed training image is missing; upload the photos again")
        try:
            return Image.open(io.BytesIO(data)).convert("RGB")
        except OSError as exc:
            raise JobRejected("a processed training image is unreadable; upload it again") from exc

    async def on_model_deleted(self, event: ModelDeleted, delivery: Delivery) -> None:
        """Drop the deleted model's weights and samples (no refund: that is billing's rule)."""
        removed = await self.storage.delete_prefix(
            keys.model_prefix(event.account_id, event.model_id)
        )
        log.info("trainer.model_deleted", model_id=event.model_id, objects=removed)


class _Reports:
    """job.Reports for a worker thread: each call runs on the event loop and waits for it."""

    def __init__(self, handlers, event, model_id, checkpoint_key, loop):
        self.handlers, self.event, self.model_id = handlers, event, model_id
        self.checkpoint_key, self.loop = checkpoint_key, loop
        self.sample_keys: list[str] = []
        self.asked_at = time.monotonic()

    def progress(self, step, total, loss, eta, png) -> None:
        self._wait(self._progress(step, total, loss, eta, png))

    def checkpoint(self, data: bytes, step: int) -> None:
        put = self.handlers.storage.put(self.checkpoint_key, data, "application/octet-stream")
        self._wait(put)

    def leaving(self) -> bool:
        return self.handlers.leaving.is_set()

    def stop_requested(self) -> bool:
        now = time.monotonic()
        if now - self.asked_at < CANCEL_POLL_S:
            return False
        self.asked_at = now
        try:
            return self._wait(self.handlers.records.cancel_requested(self.event.training_id))
        except Exception as exc:  # noqa: BLE001 — the database is away: train on, ask again
            log.warning("trainer.cancel_unknown", error=repr(exc))
            return False

    async def _progress(self, step, total, loss, eta, png) -> None:
        key = None
        if png is not None:
            key = keys.sample_key(self.event.account_id, self.model_id, step)
            await self.handlers.storage.put(key, png, "image/png")
            self.sample_keys.append(key)
        await self.handlers.publish(
            TrainingProgress.new(
                key=f"step-{step}",
                training_id=self.event.training_id,
                step=step,
                total_steps=total,
                loss=loss if math.isfinite(loss) else None,
                eta_seconds=eta,
                sample_image_key=key,
            )
        )

    def _wait(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()
