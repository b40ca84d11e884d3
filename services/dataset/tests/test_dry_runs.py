"""The check before paying, asked as the gateway asks it (request-reply on FastStream's
in-memory broker, through the service's own composition root): the training's per-image
and set report, nothing prepared or announced, the uploads deleted after the keep time."""

import time

import dataset_images as photos
from faststream.nats import TestNatsBroker

from contracts.bus import EventBus, Topology, connect_bus
from contracts.events import DatasetRejected, DatasetValidated
from contracts.events.dataset import UploadedImage
from contracts.memory_storage import MemoryObjectStore
from contracts.queries.dataset import CHECK_TIMEOUT_S, CheckAnswer, CheckQuery
from dataset.adapters.memory_records import MemoryDatasetRecords
from dataset.config import Settings
from dataset.handlers import DatasetHandlers
from dataset.main import create_app


async def test_a_dry_run_reports_every_photo_announces_nothing_and_its_uploads_go_after_a_day():
    store, records = MemoryObjectStore(), MemoryDatasetRecords()
    bus = connect_bus("dataset", "nats://127.0.0.1:1", Topology(prefix="unit"))
    create_app(Settings(), records=records, store=store, bus=bus)
    named = [
        *photos.portraits(3),
        ("07.jpg", photos.blurred()),
        ("cut.jpg", photos.truncated_jpeg()),
    ]
    images = []
    for n, (name, data) in enumerate(named):
        key = f"originals/acct-1/dry_1/{n:02d}"
        await store.put(key, data, "application/octet-stream")
        images.append(UploadedImage(key=key, name=name))
    heard = []

    async def collect(event, delivery) -> None:
        heard.append(event)

    gateway = EventBus("gateway", bus.broker, bus.topology)  # stands in for the gateway
    gateway.subscribe(DatasetValidated, "validated")(collect)
    gateway.subscribe(DatasetRejected, "rejected")(collect)
    query = CheckQuery(account_id="acct-1", check_id="dry_1", training_type="object", images=images)
    before = time.time()
    async with TestNatsBroker(bus.broker):
        answer = await gateway.ask("dataset", "check", query, CheckAnswer, CHECK_TIMEOUT_S)
    by_name = {image.name: {f.code for f in image.findings} for image in answer.report.images}
    assert "blurry" in by_name["07.jpg"]
    assert by_name["cut.jpg"] == {"truncated"}
    assert by_name["IMG_1002.jpg"] == set()  # a good photo: nothing to say
    assert [f.code for f in answer.report.findings] == ["too_few_images"]  # the set's checks too
    assert heard == []  # no verdict: nothing reaches billing
    assert set(store.objects) == {image.key for image in images}  # nothing prepared
    kept_s = answer.originals_deleted_after.timestamp() - before
    assert 86400 <= kept_s < 86500
    handlers = DatasetHandlers(store, records, publish=None, rules=Settings().rules())
    assert await handlers.delete_due_originals(before + 23 * 3600) == 0
    assert await handlers.delete_due_originals(before + 86500) == 1
    assert store.objects == {}
