"""The account's ready models: what a keyword switcher lists, and deleting one.

A model appears when its training completes. Deleting it publishes ModelDeleted (trainer
and inference drop its weights and caches), hides it at once and frees its keyword; nothing
is refunded.
"""

import uuid
from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request

from contracts.events import ModelDeleted
from gateway.api.auth import Account, Context
from gateway.context import GatewayContext

router = APIRouter(prefix="/v1", tags=["models"])
_DELETIONS = uuid.UUID("5d0f3e8a-7c61-4f0b-9a3e-2b8c4d6e1f27")


def view(record: dict, ctx: GatewayContext) -> dict:
    thumbnail = record.get("thumbnail_key")
    return {
        "model_id": record["_id"],
        "training_id": record["training_id"],
        "keyword": record["keyword"],
        "type": record["type"],
        "created_at": record["created_at"].replace(tzinfo=UTC).isoformat(),
        "thumbnail_url": ctx.signer.url(thumbnail) if thumbnail else None,
    }


async def live_model(ctx: GatewayContext, account_id: str, model_id: str) -> dict:
    record = await ctx.models.get(account_id, model_id)
    if record is None:
        raise HTTPException(404, f"no model {model_id} (GET /v1/models lists yours)")
    return record


@router.get("/models")
async def list_models(
    who: Account, ctx: Context, limit: Annotated[int, Query(ge=1, le=100)] = 100
) -> list[dict]:
    """Ready models, newest first."""
    return [view(record, ctx) for record in await ctx.models.list(who.account_id, limit)]


@router.get("/models/{model_id}")
async def get_model(model_id: str, who: Account, ctx: Context) -> dict:
    return view(await live_model(ctx, who.account_id, model_id), ctx)


@router.delete("/models/{model_id}")
async def delete_model(model_id: str, request: Request, who: Account, ctx: Context) -> dict:
    """Delete a model for good: its weights go, its keyword is free again, no refund."""
    record = await live_model(ctx, who.account_id, model_id)
    deleted = ModelDeleted.new(
        # the same deletion retried is the same event: JetStream drops the copy
        event_id=str(uuid.uuid5(_DELETIONS, model_id)),
        account_id=who.account_id,
        correlation_id=request.state.correlation_id,
        model_id=model_id,
        training_id=record["training_id"],
        keyword=record["keyword"],
        weights_key=record["weights_key"],
    )
    try:
        await ctx.bus.publish(deleted)  # first: if the bus is away, nothing has changed
    except Exception as exc:
        raise HTTPException(503, "the model could not be deleted now; try again") from exc
    await ctx.models.mark_deleted(model_id)
    await ctx.trainings.update(record["training_id"], {"model_deleted": True})
    await ctx.trainings.release_keyword(who.account_id, record["keyword"], record["training_id"])
    return {"model_id": model_id, "deleted": True}
