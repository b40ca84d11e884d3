"""Inference use cases: paint the paid-for images; forget a deleted model.

Every image passes the base's image check (contracts.safety) before it is stored: a flagged
one is withheld (billing refunds its price), and when all are, the generation fails.
A generation delivered again re-publishes its recorded outcome, and a request without a seed
draws seeds from its id, so a redelivery never makes different images. Weights that cannot be
read fail the request at once; any other failure is retried and, on the last attempt, ends in
GenerationFailed, so billing refunds and nothing hangs (`contracts.jobs.JobRunner`).
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from functools import partial

import structlog
from safetensors import SafetensorError
from safetensors.torch import load

from contracts import metrics
from contracts.bases import NotServed
from contracts.bus import Delivery
from contracts.envelope import Event
from contracts.events import CreditsDebited, GenerationFailed, ImageGenerated, ModelDeleted
from contracts.events.generation import GeneratedImage, WithheldImage
from contracts.images import png_bytes
from contracts.jobs import JobKind, JobRejected, JobRunner, OutcomeRecords
from contracts.sampling import output_size
from inference.domain.prompts import styled
from inference.domain.seeds import seeds_for
from inference.engine.painter import Painter
from inference.engine.served import ServedPainters
from inference.ports import ObjectStore

log = structlog.get_logger(__name__)
Publish = Callable[[Event], Awaitable[None]]
GENERATION = JobKind(noun="generation", verb="generate")


class InferenceHandlers:
    def __init__(
        self,
        painters: ServedPainters,
        storage: ObjectStore,
        records: OutcomeRecords,
        publish: Publish,
        max_attempts: int,
    ):
        self.painters, self.storage = painters, storage
        self.jobs = JobRunner(GENERATION, records, publish, max_attempts)
        self.lock = asyncio.Lock()  # one pipeline: one request at a time

    async def on_credits_debited(self, event: CreditsDebited, delivery: Delivery) -> None:
        """Generate the paid-for images; publish them or the failure."""
        metrics.job_started("generation", event, delivery.attempt)
        failure = partial(GenerationFailed.new, generation_id=event.generation_id)
        await self.jobs.run(event.generation_id, delivery, lambda: self._generate(event), failure)

    async def _generate(self, event: CreditsDebited) -> ImageGenerated:
        spec, settings = event.spec, event.spec.settings
        started = time.monotonic()
        uses = spec.uses()
        async with self.lock:
            try:
                painter = await asyncio.to_thread(self.painters.get, spec.base)
            except NotServed as exc:
                raise JobRejected(str(exc)) from exc
            needed = tuple(use.model_id for use in uses)
            for use in uses:
                loaded = painter.has(use.model_id)
                metrics.ADAPTER_CACHE.labels("hit" if loaded else "miss").inc()
                if not loaded:
                    await self._load(painter, use.model_id, use.weights_key, needed)
            side, multiple = painter.native_side, painter.size_multiple
            size = output_size(settings.aspect_ratio, settings.resolution, side, multiple)
            seeds = seeds_for(event.generation_id, settings.seed, settings.num_outputs)
            prompt = styled(spec.prompt, settings.style)
            weights = {use.model_id: use.weight for use in uses}
            images = await asyncio.to_thread(
                painter.paint, weights, prompt, spec.negative_prompt, size, seeds
            )
            reasons = await asyncio.to_thread(painter.check.reasons, images)
        if all(reasons):  # nothing to deliver: the whole generation is refunded
            raise JobRejected(f"every image was withheld: {reasons[0]}")
        stored, withheld = [], []
        for index, (image, seed, reason) in enumerate(zip(images, seeds, reasons, strict=True)):
            if reason:
                withheld.append(WithheldImage(seed=seed, reason=reason))
                continue
            key = f"accounts/{event.account_id}/generations/{event.generation_id}/{index}.png"
            await self.storage.put(key, png_bytes(image), "image/png")
            stored.append(
                GeneratedImage(key=key, width=image.width, height=image.height, seed=seed)
            )
        return ImageGenerated.new(
            generation_id=event.generation_id,
            model_id=spec.model_id,
            images=stored,
            withheld=withheld,
            duration_s=time.monotonic() - started,
        )

    async def _load(
        self, painter: Painter, model_id: str, weights_key: str, keep: tuple[str, ...]
    ) -> None:
        data = await self.storage.get(weights_key)
        if data is None:
            raise JobRejected("the model's weights are gone; the model may have been deleted")
        try:
            lora = load(data)
            await asyncio.to_thread(painter.load, model_id, lora, keep)
        except (SafetensorError, ValueError, KeyError, RuntimeError) as exc:
            painter.evict(model_id)
            raise JobRejected("the model's weights cannot be read; train the model again") from exc

    async def on_model_deleted(self, event: ModelDeleted, delivery: Delivery) -> None:
        """Evict the deleted model from the adapter cache (the trainer deletes its files)."""
        async with self.lock:
            if painter := self.painters.current():
                painter.evict(event.model_id)
        log.info("inference.model_evicted", model_id=event.model_id)
