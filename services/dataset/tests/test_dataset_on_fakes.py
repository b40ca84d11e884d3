"""The dataset service wired by its own composition root, with fakes handed in: in-memory
records and objects, FastStream's in-memory broker. No server: the checks themselves."""

import io
import time

import dataset_images as photos
from faststream.nats import TestNatsBroker
from PIL import Image

from contracts.bus import EventBus, Topology, connect_bus
from contracts.events import DatasetRejected, DatasetUploaded, DatasetValidated
from contracts.events.dataset import UploadedImage
from contracts.memory_storage import MemoryObjectStore
from contracts.sampling import output_size
from dataset.adapters.memory_records import MemoryDatasetRecords
from dataset.config import Settings
from dataset.handlers import DatasetHandlers
from dataset.main import create_app


async def check(named, keyword="customastromodel"):
    """Upload `named` files into the fake store, deliver DatasetUploaded, return the verdict,
    the stored objects and the dataset's record."""
    store, records = MemoryObjectStore(), MemoryDatasetRecords()
    bus = connect_bus("dataset", "nats://127.0.0.1:1", Topology(prefix="unit"))
    create_app(Settings(), records=records, store=store, bus=bus)
    images = []
    for n, (name, data) in enumerate(named):
        key = f"accounts/acct-1/datasets/ds-1/raw/{n:02d}"
        await store.put(key, data, "application/octet-stream")
        images.append(UploadedImage(key=key, name=name))
    verdicts = []

    async def collect(event, delivery) -> None:
        verdicts.append(event)

    gateway = EventBus("gateway", bus.broker, bus.topology)  # stands in for the gateway
    gateway.subscribe(DatasetValidated, "validated")(collect)
    gateway.subscribe(DatasetRejected, "rejected")(collect)
    gateway.produces(DatasetUploaded)
    uploaded = DatasetUploaded.new(
        account_id="acct-1", training_id="trn-1", dataset_id="ds-1", training_type="character",
        keyword=keyword, images=images,
    )  # fmt: skip
    async with TestNatsBroker(bus.broker):
        await gateway.publish(uploaded)
    [verdict] = verdicts
    return verdict, store, await records.get("ds-1")


async def test_a_bad_set_is_rejected_with_a_reason_per_image_and_nothing_prepared():
    named = [
        *photos.portraits(12),
        ("../../../etc/passwd.png", photos.executable()),
        ("group.jpg", photos.two_people()),
        ("cut.jpg", photos.truncated_jpeg()),
    ]
    verdict, store, record = await check(named)
    assert isinstance(verdict, DatasetRejected)
    by_name = {image.name: {f.code for f in image.findings} for image in verdict.report.images}
    assert "not_an_image" in by_name["../../../etc/passwd.png"]
    assert "several_people" in by_name["group.jpg"]
    assert "truncated" in by_name["cut.jpg"]
    assert verdict.reason.startswith("3 problems to fix before training")
    assert not [key for key in store.objects if "/processed/" in key]
    assert record["status"] == "rejected"


async def test_a_good_set_is_validated_with_square_training_images_and_captions():
    verdict, store, record = await check(photos.portraits(15))
    assert isinstance(verdict, DatasetValidated), verdict
    assert len(verdict.spec.images) == 15
    assert all("customastromodel" in image.caption for image in verdict.spec.images)
    processed = [key for key in store.objects if "/processed/" in key]
    assert sorted(processed) == sorted(image.key for image in verdict.spec.images)
    assert record["status"] == "validated"


BACKDROP = (90, 110, 140)  # dataset_images.wide


async def test_a_wide_photo_is_also_kept_whole_at_its_aspect_ratio():
    verdict, store, record = await check([*photos.portraits(14), ("wide.jpg", photos.wide())])
    assert isinstance(verdict, DatasetValidated), verdict
    framed = [image for image in verdict.spec.images if image.framed_key]
    assert [image.key for image in framed] == [verdict.spec.images[-1].key]  # squares have none
    data, _ = store.objects[framed[0].framed_key]
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == output_size("16:9", "720p", Settings().dataset_resolution)
        left, middle = image.getpixel((4, 100)), image.getpixel((image.width // 2, 100))
    assert sum(abs(a - b) for a, b in zip(left, BACKDROP, strict=True)) < 12  # JPEG's error
    assert middle != left  # the person, not the backdrop: the whole frame was kept
    assert framed[0].framed_key in record["processed_keys"]


def holds_exif(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        return bool(image.getexif()) or "exif" in image.info


async def test_originals_with_gps_are_deleted_once_checked_and_the_copies_keep_no_metadata():
    named = [*photos.portraits(14), ("IMG_1.jpg", photos.sideways_with_gps())]
    before = time.time()
    verdict, store, record = await check(named)
    assert isinstance(verdict, DatasetValidated), verdict
    originals = [image.key for image in verdict.report.images]
    assert holds_exif(store.objects[originals[-1]][0])  # as uploaded, GPS and all
    due = record["originals_due_at"] - before
    assert 3600 <= due < 3700
    records = MemoryDatasetRecords()
    records.datasets["ds-1"] = record
    handlers = DatasetHandlers(store, records, publish=None, rules=Settings().rules())
    assert await handlers.delete_due_originals(before + 60) == 0  # a redelivery may still come
    assert await handlers.delete_due_originals(before + due + 1) == 1
    assert not set(originals) & set(store.objects)
    assert store.objects  # the training PNGs stay
    assert not [key for key, (data, _) in store.objects.items() if holds_exif(data)]
    assert await handlers.delete_due_originals(before + due + 2) == 0  # once


async def test_a_rejected_set_keeps_its_originals_for_its_report_then_loses_them():
    named = [*photos.portraits(14), ("cut.jpg", photos.truncated_jpeg())]
    before = time.time()
    verdict, store, record = await check(named)
    assert isinstance(verdict, DatasetRejected)
    assert 72 * 3600 <= record["originals_due_at"] - before < 72 * 3600 + 100
    records = MemoryDatasetRecords()
    records.datasets["ds-1"] = record
    handlers = DatasetHandlers(store, records, publish=None, rules=Settings().rules())
    assert await handlers.delete_due_originals(before + 71 * 3600) == 0
    assert await handlers.delete_due_originals(before + 73 * 3600) == 1
    assert store.objects == {}


async def test_an_upload_delivered_after_its_originals_are_gone_is_not_answered_again():
    _, store, record = await check(photos.portraits(15))
    records = MemoryDatasetRecords()
    records.datasets["ds-1"] = record | {"originals_deleted_at": time.time()}
    published = []

    async def publish(event) -> None:
        published.append(event)

    handlers = DatasetHandlers(store, records, publish, Settings().rules())
    uploaded = DatasetUploaded.new(
        account_id="acct-1", training_id="trn-1", dataset_id="ds-1", training_type="character",
        keyword="customastromodel", images=[],
    )  # fmt: skip
    await handlers.on_dataset_uploaded(uploaded, delivery=None)
    assert published == []
