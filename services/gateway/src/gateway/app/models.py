"""The account's models: find a ready one, download its LoRA, delete one (no refund)."""

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


async def live_model(models: Models, account_id: str, model_id: str) -> Model:
    if (model := await models.get(account_id, model_id)) is None:
        raise NotFound(f"no model {model_id} (GET /v1/models lists yours)")
    return model


async def ready_model(models: Models, trainings: Trainings, account_id: str, model_id: str):
    """The caller's live model; Conflict if `model_id` names a training whose model is not
    ready (a completed training's id stands for its model)."""
    if (model := await models.get(account_id, model_id)) is not None:
        return model
    training = await trainings.get(account_id, model_id)
    if training is not None and training.model_id is None:
        raise Conflict(
            f"{model_id} is a training that is {training.status}, not a ready model; "
            "generate once it is completed (GET /v1/models lists your ready models)"
        )
    return await live_model(models, account_id, training.model_id if training else model_id)


WeightsFormat = Literal["diffusers", "kohya"]
"""diffusers: the file diffusers' `load_lora_weights` reads; kohya: the key layout ComfyUI and
AUTOMATIC1111 read (the trainer writes both)."""


async def weights_link(
    models: Models, links: Links, account_id: str, model_id: str, format: WeightsFormat
) -> dict:
    """A presigned link to the caller's model's LoRA in `format`, saved as a file named for
    the keyword and the model."""
    model = await live_model(models, account_id, model_id)
    key, suffix = model.weights_key, ""
    if format == "kohya":
        if model.kohya_weights_key is None:
            raise Conflict(
                f"{model_id} was trained before models were also stored in the kohya layout, so "
                "only format=diffusers is available for it (train it again for a kohya file)"
            )
        key, suffix = model.kohya_weights_key, "-kohya"
    file_name = f"{model.keyword}-{model.model_id}{suffix}.safetensors"
    expires_at = datetime.now(UTC) + timedelta(seconds=links.ttl_s)  # taken before it is signed
    return {
        "model_id": model.model_id,
        "format": format,
        "file_name": file_name,
        "url": links.url(key, file_name),
        "expires_at": expires_at.isoformat(),
    }


@dataclass
class DeleteModel:
    """Delete for good: the model is hidden and ModelDeleted announced in one write (trainer
    and inference then drop its weights); its keyword is free again. Nothing is refunded."""

    models: Models
    trainings: Trainings
    keywords: Keywords
    outbox: Outbox

    async def __call__(self, account_id: str, model_id: str) -> None:
        model = await live_model(self.models, account_id, model_id)
        deleted = ModelDeleted.new(
            event_id=ids.event_id(model_id, "deleted"),
            account_id=account_id,
            model_id=model_id,
            training_id=model.training_id,
            keyword=model.keyword,
            weights_key=model.weights_key,
        )
        out = outgoing(deleted)
        if not await self.models.delete(model_id, out):  # another request deleted it first
            raise NotFound(f"no model {model_id} (GET /v1/models lists yours)")
        await self.outbox.send(self.models, model_id, out, {"deleted": False}, UNDELETED)
        await forget_model(self.trainings, self.keywords, deleted)


async def forget_model(trainings: Trainings, keywords: Keywords, deleted: ModelDeleted) -> None:
    """What follows a deletion in the gateway's own views (also run when ModelDeleted comes
    back from the bus, so a crash right after the deletion's write loses none of it)."""
    await trainings.apply(deleted.training_id, Change({"model_deleted": True}))
    await keywords.release(deleted.account_id, deleted.keyword, deleted.training_id)
