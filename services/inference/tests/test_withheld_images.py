"""Images the base's check flags are withheld: not stored, not delivered, named in
ImageGenerated for billing to refund; a generation whose every image is flagged fails."""

from contextlib import asynccontextmanager

from PIL import Image

from contracts import causation
from contracts.bases import Base, Catalog
from contracts.events import CreditsDebited, GenerationFailed, ImageGenerated
from contracts.events.common import GenerationSettings, GenerationSpec
from contracts.jobs.memory_records import MemoryOutcomeRecords
from contracts.safety import FLAGGED
from inference.engine.served import ServedPainters
from inference.handlers import InferenceHandlers


class FlaggingPainter:
    """A painter whose base's check flags the images of the seeds in `flagged`."""

    native_side, size_multiple = 64, 8

    def __init__(self, flagged: set[int]):
        self.flagged, self.check = flagged, self

    def has(self, model_id: str) -> bool:
        return True

    def paint(self, weights, prompt, negative_prompt, size, seeds):
        self.seeds = seeds
        return [Image.new("RGB", size, (seed, 0, 0)) for seed in seeds]

    def reasons(self, images):
        return [FLAGGED if seed in self.flagged else None for seed in self.seeds]


class Storage:
    def __init__(self):
        self.objects: dict[str, bytes] = {}

    async def get(self, key):
        return self.objects.get(key)

    async def put(self, key, data, content_type):
        self.objects[key] = data


class Lease:
    attempt = 1

    @asynccontextmanager
    async def keep_leased(self):
        yield


async def generate(flagged: set[int]) -> tuple[object, Storage]:
    storage, published = Storage(), []

    async def publish(event):
        published.append(event)

    catalog = Catalog(bases=[Base(name="sd15", family="sd", weights="/models/sd15")])
    painters = ServedPainters(catalog, lambda base: FlaggingPainter(flagged))
    handlers = InferenceHandlers(painters, storage, MemoryOutcomeRecords(), publish, 3)
    spec = GenerationSpec(
        model_id="mdl-1", weights_key="w", keyword="zxq", prompt="a zxq",
        settings=GenerationSettings(num_outputs=3, seed=10),
    )  # fmt: skip
    paid = CreditsDebited.new(
        account_id="a", generation_id="gen-1", spec=spec, credits_debited=15, balance_after=0
    )
    with causation.handling(causation.Cause(paid.event_id, paid.correlation_id, "a")):
        await handlers.on_credits_debited(paid, Lease())
    [outcome] = published
    return outcome, storage


async def test_flagged_images_are_withheld_and_named_the_others_delivered():
    outcome, storage = await generate(flagged={11})
    assert isinstance(outcome, ImageGenerated)
    assert [image.seed for image in outcome.images] == [10, 12]
    assert [(w.seed, w.reason) for w in outcome.withheld] == [(11, FLAGGED)]
    assert sorted(storage.objects) == [
        "accounts/a/generations/gen-1/0.png",
        "accounts/a/generations/gen-1/2.png",
    ]


async def test_a_generation_whose_every_image_is_flagged_fails_with_the_reason():
    outcome, storage = await generate(flagged={10, 11, 12})
    assert isinstance(outcome, GenerationFailed)
    assert outcome.reason == f"every image was withheld: {FLAGGED}"
    assert storage.objects == {}
