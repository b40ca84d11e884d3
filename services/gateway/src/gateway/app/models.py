"""The account's models and their versions: find one, download its LoRA, delete it (no
refund).

A model is every version trained under one keyword: retraining it (app/trainings.py, with
`version_of`) adds version 2, 3, ... and keeps the earlier ones until they are deleted. The
first version's id names the model; each later version also has an id of its own.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from contracts.events import ModelDeleted
from gateway.app import ids
from gateway.app.outbox import Outbox, outgoing
from gateway.domain.errors import Conflict, NotFound
from gateway.domain.facts import Change
from gateway.domain.records import Model
from gateway.ports import Keywords, Links, Models, Trainings

UNDELETED = "the model could not be deleted now; try again"


def _unknown(model_id: str) -> NotFound:
    return NotFound(f"no model {model_id} (GET /v1/models lists yours)")


async def versions_of(models: Models, account_id: str, model_id: str) -> list[Model]:
    """The live versions, oldest first, of the caller's model that `model_id` names (the
    model's id or one version's)."""
    found = await models.find(model_id)
    if found is None or found.account_id != account_id:
        raise _unknown(model_id)
    if not (versions := await models.family(account_id, found.family)):
        raise _unknown(model_id)
    return versions


def pick(versions: list[Model], model_id: str, version: int | None) -> Model:
    """`version` if given; else the version `model_id` names: the model's id stands for its
    latest version, a later version's own id for itself."""
    if version is not None:
        for model in versions:
            if model.version == version:
                return model
        have = ", ".join(str(model.version) for model in versions)
        raise NotFound(f"model {model_id} has no version {version}; it has {have}")
    if model_id == versions[0].family:
        return versions[-1]
    for model in versions:
        if model.model_id == model_id:
            return model
    raise _unknown(model_id)


async def chosen_model(
    models: Models, trainings: Trainings, account_id: str, model_id: str, version: int | None
) -> Model:
    """The ready model version a generation uses; Conflict if `model_id` names a training
    whose model is not ready (a completed training's id stands for the version it made)."""
    if (found := await models.find(model_id)) is None or found.account_id != account_id:
        training = await trainings.get(account_id, model_id)
        if training is not None and training.model_id is None:
            raise Conflict(
                f"{model_id} is a training that is {training.status}, not a ready model; "
                "generate once it is completed (GET /v1/models lists your ready models)"
            )
        model_id = training.model_id if training else model_id
    return pick(await versions_of(models, account_id, model_id), model_id, version)


WeightsFormat = Literal["diffusers", "kohya"]
"""diffusers: the file diffusers' `load_lora_weights` reads; kohya: the key layout ComfyUI and
AUTOMATIC1111 read (the trainer writes both)."""


async def weights_link(
    models: Models,
    links: Links,
    account_id: str,
    model_id: str,
    format: WeightsFormat,
    version: int | None = None,
) -> dict:
    """A presigned link to the LoRA of the caller's model (its latest version, or `version`)
    in `format`, saved as a file named for the keyword, the model and the version."""
    model = pick(await versions_of(models, account_id, model_id), model_id, version)
    key, suffix = model.weights_key, ""
    if format == "kohya":
        if model.kohya_weights_key is None:
            raise Conflict(
                f"{model_id} was trained before models were also stored in the kohya layout, so "
                "only format=diffusers is available for it (train it again for a kohya file)"
            )
        key, suffix = model.kohya_weights_key, "-kohya"
    numbered = f"-v{model.version}" if model.version > 1 else ""
    file_name = f"{model.keyword}-{model.family}{numbered}{suffix}.safetensors"
    expires_at = datetime.now(UTC) + timedelta(seconds=links.ttl_s)  # taken before it is signed
    return {
        "model_id": model.family,
        "version": model.version,
        "format": format,
        "file_name": file_name,
        "url": links.url(key, file_name),
        "expires_at": expires_at.isoformat(),
    }


@dataclass
class DeleteModel:
    """Delete for good, a whole model or one version: each version is hidden and its
    ModelDeleted announced in one write (trainer and inference then drop its weights); once
    no version is left its keyword is free again. Nothing is refunded."""

    models: Models
    trainings: Trainings
    keywords: Keywords
    outbox: Outbox

    async def __call__(self, account_id: str, model_id: str, version: int | None = None):
        versions = await versions_of(self.models, account_id, model_id)
        doomed = versions if version is None else [pick(versions, model_id, version)]
        if len(doomed) == len(versions):
            await self._nothing_training(account_id, versions[0])
        for model in doomed:
            await self._delete(account_id, model)
        return doomed

    async def _nothing_training(self, account_id: str, model: Model) -> None:
        """A version still training would come back under a keyword no longer the model's."""
        if training := await self.trainings.retraining(account_id, model.family):
            raise Conflict(
                f"a new version of {model.family} is training ({training.training_id}); cancel "
                f"it (POST /v1/trainings/{training.training_id}/cancel) or wait for it to end"
            )

    async def _delete(self, account_id: str, model: Model) -> None:
        deleted = ModelDeleted.new(
            event_id=ids.event_id(model.model_id, "deleted"),
            account_id=account_id,
            model_id=model.model_id,
            training_id=model.training_id,
            keyword=model.keyword,
            weights_key=model.weights_key,
        )
        out = outgoing(deleted)
        if not await self.models.delete(model.model_id, out):  # a request deleted it first
            raise _unknown(model.model_id)
        await self.outbox.send(self.models, model.model_id, out, {"deleted": False}, UNDELETED)
        await forget_model(self.trainings, self.keywords, self.models, deleted)


async def forget_model(
    trainings: Trainings, keywords: Keywords, models: Models, deleted: ModelDeleted
) -> None:
    """What follows a deletion in the gateway's own views (also run when ModelDeleted comes
    back from the bus, so a crash right after the deletion's write loses none of it). The
    keyword is held by the first version's training until no version is left."""
    await trainings.apply(deleted.training_id, Change({"model_deleted": True}))
    model = await models.find(deleted.model_id)
    family = model.family if model else deleted.model_id
    if await models.family(deleted.account_id, family):
        return
    first = await models.find(family)
    holder = first.training_id if first else deleted.training_id
    await keywords.release(deleted.account_id, deleted.keyword, holder)
