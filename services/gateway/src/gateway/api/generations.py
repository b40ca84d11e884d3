"""Generating images with one of the account's models, and their status.

POST /v1/generations checks the request (the caller's ready model, its keyword in the
prompt), records it as `awaiting_payment` and publishes GenerationRequested; billing debits
5 credits per image and inference paints them; the facts come back through
gateway.projection. With an Idempotency-Key the generation id is derived from the key, so a
retried request is the same generation, never a second debit.
"""

import hashlib
import json
import uuid
from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from contracts.events import GenerationRequested
from contracts.events.common import (
    AspectRatio,
    GenerationSettings,
    GenerationSpec,
    Resolution,
    StylePreset,
)
from gateway import keywords
from gateway.api.auth import Account, Context
from gateway.api.models import live_model
from gateway.api.streams import event_stream
from gateway.context import GatewayContext

router = APIRouter(prefix="/v1", tags=["generations"])
_IDS = uuid.UUID("9a4c1e77-3b2d-4c8e-8f60-51d2a7b9e0c4")
ENDED = ("completed", "failed", "payment_failed")
UNSENT_REASON = "the platform could not start this generation; nothing was charged, try again"


class GenerationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is an error, not ignored

    model_id: str = Field(min_length=1, max_length=100)
    """One of your models (GET /v1/models)."""
    prompt: str = Field(min_length=1, max_length=1000)
    """What to paint; must contain the model's keyword."""
    aspect_ratio: AspectRatio = "1:1"
    resolution: Resolution = "720p"
    num_outputs: int = Field(default=1, ge=1, le=4)
    """Images to make; each costs 5 credits."""
    style: StylePreset = "none"
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)
    """Seed of the first image (the next ones use seed+1, ...); omitted: the platform picks."""
    negative_prompt: str | None = Field(default=None, max_length=1000)
    """What the images should not show."""

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.model_dump(), sort_keys=True).encode()).hexdigest()


def view(record: dict, ctx: GatewayContext) -> dict:
    images = [
        {
            "url": ctx.signer.url(image["key"]),
            "width": image["width"],
            "height": image["height"],
            "seed": image["seed"],
        }
        for image in record.get("images", [])
    ]
    return {
        "generation_id": record["_id"],
        "status": record["status"],
        "model_id": record["model_id"],
        "prompt": record["prompt"],
        "negative_prompt": record.get("negative_prompt"),
        "settings": record["settings"],
        "credits": record.get("credits_debited"),
        "reason": record.get("reason"),
        "refunded": bool(record.get("refunded")),  # the embedded server gives 1 for True
        "images": images,
        "created_at": record["created_at"].replace(tzinfo=UTC).isoformat(),
    }


async def ready_model(ctx: GatewayContext, account_id: str, model_id: str) -> dict:
    """The caller's live model; 409 if `model_id` names a training whose model is not ready
    (a completed training's id stands for its model)."""
    if (model := await ctx.models.get(account_id, model_id)) is not None:
        return model
    training = await ctx.trainings.get(account_id, model_id)
    if training is not None and training.get("model_id") is None:
        raise HTTPException(
            409,
            f"{model_id} is a training that is {training['status']}, not a ready model; "
            "generate once it is completed (GET /v1/models lists your ready models)",
        )
    return await live_model(ctx, account_id, training["model_id"] if training else model_id)


@router.post("/generations", status_code=202)
async def create_generation(
    body: GenerationRequest,
    request: Request,
    who: Account,
    ctx: Context,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
):
    """Generate 1-4 images with one of your models; the prompt must hold its keyword."""
    account_id = who.account_id
    generation_id = f"gen_{uuid.uuid4().hex[:20]}"
    if idempotency_key:
        generation_id = f"gen_{uuid.uuid5(_IDS, f'{account_id}/{idempotency_key}').hex[:20]}"
        if (seen := await ctx.generations.get(account_id, generation_id)) is not None:
            return await _again(seen, body, request, ctx)
    model = await ready_model(ctx, account_id, body.model_id)
    if not keywords.in_prompt(model["keyword"], body.prompt):
        raise HTTPException(
            422,
            f"the prompt must contain the model's keyword {model['keyword']!r}, "
            f'e.g. "a photo of {model["keyword"]} ..."',
        )
    settings = GenerationSettings(**body.model_dump(include=set(GenerationSettings.model_fields)))
    record = {
        "_id": generation_id,
        "account_id": account_id,
        "model_id": model["_id"],
        "weights_key": model["weights_key"],
        "keyword": model["keyword"],
        "prompt": body.prompt,
        "negative_prompt": body.negative_prompt,
        "settings": settings.model_dump(mode="json"),
        "fingerprint": body.fingerprint(),
        "status": "awaiting_payment",
    }
    if not await ctx.generations.create(record):  # the same key raced us here
        return await _again(
            await ctx.generations.get(account_id, generation_id), body, request, ctx
        )
    return await _send(record, request, ctx)


async def _again(seen: dict, body: GenerationRequest, request: Request, ctx: GatewayContext):
    """A retried request: the recorded answer, or one more try at sending it."""
    if seen["fingerprint"] != body.fingerprint():
        raise HTTPException(422, "this Idempotency-Key was used for a different request")
    if seen.get("unsent"):
        await ctx.generations.update(
            seen["_id"], {"status": "awaiting_payment", "reason": None, "unsent": False}
        )
        return await _send(seen, request, ctx)
    return JSONResponse({"generation_id": seen["_id"], "status": seen["status"]}, 202)


async def _send(record: dict, request: Request, ctx: GatewayContext) -> JSONResponse:
    spec = GenerationSpec(
        model_id=record["model_id"],
        weights_key=record["weights_key"],
        keyword=record["keyword"],
        prompt=record["prompt"],
        negative_prompt=record["negative_prompt"],
        settings=GenerationSettings(**record["settings"]),
    )
    requested = GenerationRequested.new(
        event_id=str(uuid.uuid5(_IDS, record["_id"])),  # a re-send is the same event
        account_id=record["account_id"],
        correlation_id=request.state.correlation_id,
        generation_id=record["_id"],
        spec=spec,
    )
    try:
        await ctx.bus.publish(requested)
    except Exception as exc:  # the bus is away: say so, never leave it awaiting payment
        await ctx.generations.update(
            record["_id"], {"status": "failed", "reason": UNSENT_REASON, "unsent": True}
        )
        raise HTTPException(503, UNSENT_REASON) from exc
    return JSONResponse({"generation_id": record["_id"], "status": "awaiting_payment"}, 202)


@router.get("/generations/{generation_id}")
async def get_generation(generation_id: str, who: Account, ctx: Context) -> dict:
    """Status, and when completed the images as short-lived download links."""
    record = await ctx.generations.get(who.account_id, generation_id)
    if record is None:
        raise HTTPException(404, f"no generation {generation_id}")
    return view(record, ctx)


@router.get("/generations/{generation_id}/events")
async def follow_generation(generation_id: str, request: Request, who: Account, ctx: Context):
    """Server-sent events: the generation's view each time it changes, until it ends."""
    if await ctx.generations.get(who.account_id, generation_id) is None:
        raise HTTPException(404, f"no generation {generation_id}")
    return event_stream(
        request,
        lambda: ctx.generations.get(who.account_id, generation_id),
        lambda record: view(record, ctx),
        lambda record: record["status"] in ENDED,
    )


@router.get("/generations")
async def list_generations(
    who: Account, ctx: Context, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[dict]:
    """Your generations, newest first."""
    return [view(record, ctx) for record in await ctx.generations.list(who.account_id, limit)]
