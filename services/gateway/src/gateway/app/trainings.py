"""Start a training: check the upload, reserve the keyword, store the images, save the
training with its DatasetUploaded (one write), publish it."""

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

from contracts.bases import Catalog
from contracts.events import DatasetUploaded
from contracts.events.dataset import UploadedImage
from gateway.app import ids
from gateway.app.models import versions_of
from gateway.app.moderation import enforce
from gateway.app.outbox import Outbox, outgoing
from gateway.domain import training_form
from gateway.domain.errors import Conflict, Invalid, Unavailable
from gateway.domain.records import Training
from gateway.domain.statuses import TrainingStatus
from gateway.ports import Keywords, KeywordTaken, Models, Moderation, Trainings, Uploads

STALE_RESERVATION_S = 15 * 60
"""A reservation whose training was never saved (the gateway died mid-upload) is free after
this long; longer than any upload takes."""
UNSENT = "the platform could not start checking your images; nothing was charged, try again"
ENDED_WITHOUT_MODEL = (
    TrainingStatus.REJECTED,
    TrainingStatus.PAYMENT_FAILED,
    TrainingStatus.FAILED,
    TrainingStatus.CANCELLED,
)


@dataclass(frozen=True)
class UploadedFile:
    name: str
    """The display name (never used as a key)."""
    stream: BinaryIO
    size: int


@dataclass(frozen=True)
class Started:
    training_id: str
    status: str
    warnings: list[str]


@dataclass
class StartTraining:
    trainings: Trainings
    keywords: Keywords
    uploads: Uploads
    outbox: Outbox
    moderation: Moderation
    models: Models
    catalog: Catalog

    async def __call__(
        self,
        account_id: str,
        request_id: str,
        fields: dict[str, str],
        images: list[UploadedFile],
        captions: dict[str, str],
    ) -> Started:
        fields, version_of = await version_form(self.models, account_id, fields)
        form = training_form.read_form(fields, self.catalog)
        training_form.check_count(len(images))
        await self._moderate(account_id, form, images, captions)
        training_id, dataset_id = ids.derived("trn", request_id), ids.derived("ds", request_id)
        seen = await self.trainings.get(account_id, training_id)
        if seen is not None and not _unsent(seen):
            return await self._again(seen)  # this request ran before, and it stands
        if version_of is None:  # a new version uses the keyword its model holds
            await self._reserve(account_id, form.keyword, training_id)
        saved = False
        try:
            # originals live apart: deleted once checked, and a lifecycle rule on `originals/`
            # (deploy/minio/lifecycle.json) removes any the dataset service never answered
            folder = f"originals/{account_id}/{dataset_id}"
            stored = await self._store(images, captions, folder)
            now = datetime.now(UTC)
            training = Training(
                training_id=training_id,
                account_id=account_id,
                dataset_id=dataset_id,
                type=form.type,
                keyword=form.keyword,
                status=TrainingStatus.VALIDATING,
                created_at=now,
                updated_at=now,
                warnings=form.warnings,
                overrides=form.overrides.model_dump(exclude_none=True) if form.overrides else None,
                version_of=version_of,
                base=form.base,
            )
            uploaded = DatasetUploaded.new(
                event_id=ids.event_id(training_id, "uploaded"),
                account_id=account_id,
                training_id=training_id,
                dataset_id=dataset_id,
                training_type=form.type,
                keyword=form.keyword,
                images=stored,
                overrides=form.overrides,
                version_of=version_of,
                base=form.base,
            )
            out = outgoing(uploaded)
            saved = await self.trainings.create(training, out)
            if not saved:  # the same request, run at the same time, saved it first
                return await self._again(await self.trainings.get(account_id, training_id))
        except BaseException:
            if not saved:
                await self.keywords.release(account_id, form.keyword, training_id)
            raise
        undo = {"status": TrainingStatus.FAILED, "reason": UNSENT}
        try:
            await self.outbox.send(self.trainings, training_id, out, undo, UNSENT)
        except Unavailable:  # undone: nothing will check these images
            await self.keywords.release(account_id, form.keyword, training_id)
            raise
        return Started(training_id, TrainingStatus.VALIDATING, form.warnings)

    async def _moderate(self, account_id: str, form, images, captions: dict[str, str]) -> None:
        await moderate(self.moderation, account_id, form, images, captions)

    async def _again(self, seen: Training) -> Started:
        """The answer for a request that ran before; a training that ended without a live
        model keeps no keyword (this run may have reserved it again)."""
        if seen.status in ENDED_WITHOUT_MODEL or (
            seen.model_deleted and not await self._versions_left(seen)
        ):
            await self.keywords.release(seen.account_id, seen.keyword, seen.training_id)
        return Started(seen.training_id, seen.status, seen.warnings)

    async def _versions_left(self, training: Training) -> bool:
        """Whether the model the training made has versions left (they hold its keyword)."""
        model = await self.models.find(training.model_id) if training.model_id else None
        return bool(model and await self.models.family(training.account_id, model.family))

    async def _reserve(self, account_id: str, keyword: str, training_id: str) -> None:
        try:
            await self.keywords.reserve(account_id, keyword, training_id)
            return
        except KeywordTaken as taken:
            if await self._abandoned(taken) and await self.keywords.take_over(
                account_id, keyword, taken.holder, training_id
            ):
                return
        raise Conflict(
            f"you already have a training or model with the keyword {keyword!r}; pick another"
        )

    async def _abandoned(self, taken: KeywordTaken) -> bool:
        """Held for long by a training that was never saved (its gateway died mid-upload)."""
        stale = time.time() - taken.reserved_at > STALE_RESERVATION_S
        return stale and await self.trainings.find(taken.holder) is None

    async def _store(self, images: list[UploadedFile], captions: dict[str, str], folder: str):
        return await store_originals(self.uploads, images, captions, folder)


async def version_form(
    models: Models, account_id: str, fields: dict[str, str]
) -> tuple[dict[str, str], str | None]:
    """A retraining names the model in `version_of`; its type, keyword and base model are that
    model's (another one given is an error). (the fields with them, the model's id or None)."""
    if not (named := fields.get("version_of", "").strip()):
        return fields, None
    model = (await versions_of(models, account_id, named))[-1]
    kept = {"type": model.type, "keyword": model.keyword}
    if model.base:  # one trained before the catalog: the default, whatever it is now
        kept["base"] = model.base
    for name, value in kept.items():
        given = fields.get(name, "").strip()
        if given and given != value:
            raise Invalid(
                f"a new version of {model.family} keeps its {name} {value!r}; "
                f"leave {name} out or send {value!r}"
            )
    return fields | kept, model.family


async def moderate(
    moderation: Moderation, account_id: str, form, images, captions: dict[str, str]
) -> None:
    """The content policy, before anything is stored or reserved."""
    texts = list(captions.values())
    asked = await moderation.training(account_id, form.type, form.keyword, texts, form.consent)
    enforce(asked, "training", account_id)
    enforce(await moderation.images(account_id, form.type, images), "images", account_id)


async def store_originals(
    uploads: Uploads, images: list[UploadedFile], captions: dict[str, str], folder: str
) -> list[UploadedImage]:
    stored = []
    for index, image in enumerate(images):
        # server-made (never from the client's file name); the same on a re-run
        key = f"{folder}/{index:02d}"
        image.stream.seek(0)
        await uploads.put(key, image.stream, image.size)
        caption = training_form.caption_for(image.name, captions)
        stored.append(UploadedImage(key=key, name=image.name, caption=caption))
    return stored


def _unsent(training: Training) -> bool:
    """Undone because the bus refused it: the same request may make it again."""
    return training.status is TrainingStatus.FAILED and training.reason == UNSENT
