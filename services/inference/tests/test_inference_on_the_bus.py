"""The inference service as it runs: real NATS JetStream, real S3, real MongoDB protocol."""

import io

import pytest
from bus_helpers import eventually, running
from inference_loras import a_lora
from PIL import Image
from prometheus_client import REGISTRY

from contracts.bus import Delivery, connect_bus
from contracts.events import CreditsDebited, GenerationFailed, ImageGenerated
from contracts.events.common import GenerationSettings, GenerationSpec
from inference.config import Settings
from inference.main import create_app

pytestmark = pytest.mark.integration


def debited(generation: str, weights_key: str, **settings) -> CreditsDebited:
    spec = GenerationSpec(
        model_id="mdl-1",
        weights_key=weights_key,
        keyword="zxq",
        prompt="a zxq on a blue background",
        settings=GenerationSettings(**settings),
    )
    return CreditsDebited.new(
        account_id="acct-i",
        generation_id=generation,
        spec=spec,
        credits_debited=5 * spec.settings.num_outputs,
        balance_after=0,
    )


async def generate(service_env, events: list[CreditsDebited]) -> list:
    settings = Settings(**{k.lower(): v for k, v in service_env.items()})
    client = connect_bus("client", settings.nats_url, settings.topology())
    client.produces(CreditsDebited)
    outcomes: list = []

    async def collect(event, delivery: Delivery) -> None:
        outcomes.append(event)

    client.consume("outcomes", {ImageGenerated: collect, GenerationFailed: collect})
    async with running(create_app(settings)):
        await client.start()
        try:
            for event in events:
                await client.publish(event)
            await eventually(lambda: len(outcomes) == len(events), timeout_s=120)
        finally:
            await client.stop()
    order = [e.generation_id for e in events]
    return sorted(outcomes, key=lambda o: order.index(o.generation_id))


def metric(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def cache_and_waits() -> tuple[float, float, float]:
    return (
        metric("aitrain_adapter_cache_total", result="hit"),
        metric("aitrain_adapter_cache_total", result="miss"),
        metric("aitrain_job_queue_wait_seconds_count", job="generation"),
    )


async def test_paid_images_are_painted_stored_and_reproducible(service_env, embedded, s3):
    weights = "accounts/acct-i/models/mdl-1/lora.safetensors"
    data = a_lora()
    s3.put_object(embedded.bucket, weights, io.BytesIO(data), len(data))
    before = cache_and_waits()
    first, again, other = await generate(
        service_env,
        [
            debited("gen-1", weights, aspect_ratio="16:9", num_outputs=2, seed=5),
            debited("gen-2", weights, aspect_ratio="16:9", num_outputs=2, seed=5),
            debited("gen-3", weights, aspect_ratio="16:9", num_outputs=1, seed=9),
        ],
    )
    assert isinstance(first, ImageGenerated), first
    assert [(i.width, i.height, i.seed) for i in first.images] == [(88, 48, 5), (88, 48, 6)]
    # the model's LoRA loaded once (a fresh process), then found loaded; each job's wait seen
    hits, misses, waits = (
        after - was for after, was in zip(cache_and_waits(), before, strict=True)
    )
    assert (hits, misses, waits) == (2, 1, 3)

    def png(image) -> bytes:
        return s3.get_object(embedded.bucket, image.key).read()

    stored = Image.open(io.BytesIO(png(first.images[0])))
    assert stored.size == (88, 48)
    assert [png(i) for i in first.images] == [png(i) for i in again.images]  # same seed
    assert png(other.images[0]) != png(first.images[0])  # another seed


async def test_unreadable_weights_fail_the_generation_with_a_reason(service_env, embedded, s3):
    weights = "accounts/acct-i/models/mdl-1/lora.safetensors"
    s3.put_object(embedded.bucket, weights, io.BytesIO(b"not a lora"), 10)
    [failed] = await generate(service_env, [debited("gen-bad", weights)])
    assert isinstance(failed, GenerationFailed)
    assert "cannot be read" in failed.reason
