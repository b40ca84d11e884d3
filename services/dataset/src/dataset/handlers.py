"""Dataset use case: check every uploaded image, then publish the verdict.

Images are fetched and checked one at a time and each valid one is turned into its small
training PNG at once, so memory holds one full-size photo at most. Nothing is charged
here: a rejected set never reaches billing.

The uploaded originals (which may carry EXIF, GPS included) are deleted once answered: a
checked set's after `keep_checked_s` (long past any redelivery of its upload), a rejected
set's after `keep_rejected_s` (its report shows them while the user fixes the set). The
training PNGs keep no metadata.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable

import structlog

from contracts.bases import Catalog, catalog_of
from contracts.bus import Delivery
from contracts.envelope import Event
from contracts.events import DatasetRejected, DatasetUploaded, DatasetValidated
from contracts.events.common import (
    DatasetReport,
    Finding,
    ImageReport,
    TrainingImage,
    TrainingSpec,
)
from contracts.images import png_bytes
from contracts.limits import MAX_IMAGE_BYTES
from dataset.domain import prepare
from dataset.domain.retention import Retention
from dataset.domain.rules import Rules
from dataset.domain.validate import Checked, Upload, check_image, conclude, has_errors, summary
from dataset.ports import DatasetRecords, ObjectStore

log = structlog.get_logger(__name__)
Publish = Callable[[Event], Awaitable[None]]


def _not_checked(event: DatasetUploaded, exc: Exception) -> DatasetReport:
    message = (
        f"the platform could not check your photos ({type(exc).__name__}); nothing was "
        "charged — start the training again"
    )
    return DatasetReport(
        images=[ImageReport(name=image.name, key=image.key) for image in event.images],
        findings=[Finding(severity="error", code="not_checked", message=message)],
    )


def _not_served(event: DatasetUploaded, catalog: Catalog) -> DatasetReport:
    message = (
        f"the base model {event.base!r} is not served here; train on one of "
        f"{', '.join(catalog.names)}"
    )
    return DatasetReport(
        images=[ImageReport(name=image.name, key=image.key) for image in event.images],
        findings=[Finding(severity="error", code="unknown_base", message=message)],
    )


class DatasetHandlers:
    def __init__(
        self,
        storage: ObjectStore,
        records: DatasetRecords,
        publish: Publish,
        rules: Rules,
        max_attempts: int = 5,
        retention: Retention | None = None,
        catalog: Catalog | None = None,
    ):
        self.storage = storage
        self.records = records
        self.publish = publish
        self.rules = rules
        self.max_attempts = max_attempts
        self.retention = retention or Retention()
        self.catalog = catalog or catalog_of("")

    async def delete_due_originals(self, now: float | None = None) -> int:
        """Delete the originals whose time has come; how many sets."""
        now = time.time() if now is None else now
        due = await self.records.due_originals(now)
        for dataset_id, keys in due:
            await self.storage.delete(keys)
            await self.records.originals_deleted(dataset_id, now)
            log.info("dataset.originals_deleted", dataset_id=dataset_id, objects=len(keys))
        return len(due)

    async def on_dataset_uploaded(self, event: DatasetUploaded, delivery: Delivery) -> None:
        """Check every image and the set; preprocess a valid set; publish the verdict. A
        failure is retried (redelivery); on the last attempt the set is rejected saying so, so
        the user always gets an answer (nothing was charged yet)."""
        seen = await self.records.get(event.dataset_id)
        if seen is not None and seen.get("originals_deleted_at") is not None:
            log.info("dataset.answered_before", dataset_id=event.dataset_id)
            return  # answered long ago; its originals are gone, so it cannot be checked again
        try:
            side = max(self.rules.resolution, self.catalog.get(event.base).resolution)
        except KeyError:
            await self._reject(event, _not_served(event, self.catalog))
            return
        async with delivery.keep_leased():
            try:
                checked = [await self._check(event, image, side) for image in event.images]
                report = conclude(checked, self.rules)
                if has_errors(report):
                    await self._reject(event, report)
                else:
                    await self._accept(event, report, checked)
            except Exception as exc:
                if delivery.attempt < self.max_attempts:
                    raise  # transient: JetStream redelivers it
                log.exception("dataset.gave_up", dataset_id=event.dataset_id)
                await self._reject(event, _not_checked(event, exc))

    async def _check(self, event: DatasetUploaded, image, side: int) -> Checked:
        return await self.fetch_and_check(image, event.training_type, side)

    async def fetch_and_check(self, image, training_type, side: int = 0) -> Checked:
        """One upload read and checked; with a `side`, also its training PNGs at that size
        (a dry run needs only the findings)."""
        upload = Upload(image.name, image.key, b"", image.caption)
        size = await self.storage.size(image.key)
        if size is None:
            message = "the file was not stored; upload it again"
            return Checked(
                upload, findings=[Finding(severity="error", code="missing", message=message)]
            )
        if size > MAX_IMAGE_BYTES:
            message = "the file is over 20 MB; export a smaller image"
            return Checked(
                upload, findings=[Finding(severity="error", code="too_large", message=message)]
            )
        data = await self.storage.get(image.key)
        upload = Upload(image.name, image.key, data, image.caption)
        if not side:
            return await asyncio.to_thread(self._check_only, upload, training_type)
        return await asyncio.to_thread(self._check_and_shrink, upload, training_type, side)

    def _check_only(self, upload: Upload, training_type) -> Checked:
        checked = check_image(upload, training_type, self.rules)
        checked.decoded = None
        checked.upload = Upload(upload.name, upload.key, b"", upload.caption)
        return checked

    def _check_and_shrink(self, upload: Upload, training_type, side: int) -> Checked:
        """`side`: the training squares' (the larger of DATASET_RESOLUTION and the base's)."""
        checked = check_image(upload, training_type, self.rules)
        if checked.decoded is not None:
            square, checked.cut = prepare.square(checked, side)
            checked.processed = png_bytes(square)
            if (framed := prepare.framed(checked, side)) is not None:
                checked.framed = png_bytes(framed)
            checked.decoded = None  # let the full-size pixels go
        checked.upload = Upload(upload.name, upload.key, b"", upload.caption)
        return checked

    async def _reject(self, event: DatasetUploaded, report: DatasetReport) -> None:
        reason = summary(report)
        await self._record(event, "rejected", report, [])
        await self.publish(
            DatasetRejected.new(
                training_id=event.training_id,
                dataset_id=event.dataset_id,
                reason=reason,
                report=report,
            )
        )
        log.info("dataset.rejected", dataset_id=event.dataset_id, reason=reason)

    async def _accept(self, event: DatasetUploaded, report: DatasetReport, checked: list[Checked]):
        folder = f"accounts/{event.account_id}/datasets/{event.dataset_id}/processed"
        images, hashed = [], []
        for n, item in enumerate(checked):
            key = f"{folder}/{n:02d}.png"
            text = prepare.caption(event.training_type, event.keyword, item.upload.caption)
            await self.storage.put(key, item.processed, "image/png")
            framed_key = None
            if item.framed is not None:
                framed_key = f"{folder}/{n:02d}-framed.png"
                await self.storage.put(framed_key, item.framed, "image/png")
            cut = item.cut
            images.append(
                TrainingImage(
                    key=key,
                    caption=text,
                    framed_key=framed_key,
                    original_size=cut.original_size if cut else None,
                    crop_top_left=cut.crop_top_left if cut else None,
                )
            )
            hashed.append((item.processed + (item.framed or b""), text))
        spec = TrainingSpec(
            training_type=event.training_type,
            keyword=event.keyword,
            images=images,
            dataset_hash=prepare.dataset_hash(hashed),
            overrides=event.overrides,
            base=event.base,
        )
        stored = [key for i in images for key in (i.key, i.framed_key) if key]
        await self._record(event, "validated", report, stored)
        await self.publish(
            DatasetValidated.new(
                training_id=event.training_id,
                dataset_id=event.dataset_id,
                spec=spec,
                report=report,
            )
        )
        log.info("dataset.validated", dataset_id=event.dataset_id, images=len(images))

    async def _record(self, event, status: str, report: DatasetReport, keys: list[str]) -> None:
        keep = self.retention.keep_checked_s if keys else self.retention.keep_rejected_s
        await self.records.save(
            event.dataset_id,
            {
                "account_id": event.account_id,
                "training_id": event.training_id,
                "status": status,
                "report": report.model_dump(mode="json"),
                "processed_keys": keys,
                "originals": [image.key for image in event.images],
                "originals_due_at": time.time() + keep,
                "originals_deleted_at": None,
            },
        )
