"""Generating images with one of the account's models, and their status (the use case is
app/generations.py)."""

from functools import partial
from typing import Annotated, get_args

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from contracts.events.common import AspectRatio, GenerationSettings, Resolution, StylePreset
from gateway.api.auth import Account, Use
from gateway.api.errors import RESPONSES
from gateway.api.idempotency import fingerprint, idempotent
from gateway.api.rendering import generation_view
from gateway.api.streams import follow, owned

router = APIRouter(prefix="/v1", tags=["generations"], responses=RESPONSES)
NOUN = "generation"
MAX_OUTPUTS = 4


class GenerationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is an error, not ignored

    model_id: str = Field(min_length=1, max_length=100)
    """One of your models (GET /v1/models)."""
    prompt: str = Field(min_length=1, max_length=1000)
    """What to paint; must contain the model's keyword."""
    aspect_ratio: AspectRatio = "1:1"
    resolution: Resolution = "720p"
    num_outputs: int = Field(default=1, ge=1, le=MAX_OUTPUTS)
    """Images to make; each costs 5 credits."""
    style: StylePreset = "none"
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)
    """Seed of the first image (the next ones use seed+1, ...); omitted: the platform picks."""
    negative_prompt: str | None = Field(default=None, max_length=1000)
    """What the images should not show."""

    def settings(self) -> GenerationSettings:
        return GenerationSettings(**self.model_dump(include=set(GenerationSettings.model_fields)))


@router.get("/generation-options")
async def generation_options(who: Account) -> dict:
    """The choices a generation request takes, for forms."""
    return {
        "aspect_ratios": list(get_args(AspectRatio)),
        "resolutions": list(get_args(Resolution)),
        "styles": list(get_args(StylePreset)),
        "max_outputs": MAX_OUTPUTS,
    }


@router.post("/generations", status_code=202)
async def create_generation(body: GenerationRequest, request: Request, who: Account, gateway: Use):
    """Generate 1-4 images with one of your models; the prompt must hold its keyword."""

    async def run(request_id: str) -> JSONResponse:
        generation = await gateway.request_generation(
            who.account_id,
            request_id,
            body.model_id,
            body.prompt,
            body.negative_prompt,
            body.settings(),
        )
        answer = {"generation_id": generation.generation_id, "status": str(generation.status)}
        return JSONResponse(answer, status_code=202)

    content = fingerprint(request, body.model_dump_json())
    return await idempotent(request, gateway, who.scope, content, run)


@router.get("/generations/{generation_id}")
async def get_generation(generation_id: str, who: Account, gateway: Use) -> dict:
    """Status, and when completed the images as short-lived download links."""
    generation = await owned(gateway.ports.generations, who.account_id, generation_id, NOUN)
    return generation_view(generation, gateway.ports.links)


@router.get("/generations/{generation_id}/events")
async def follow_generation(generation_id: str, request: Request, who: Account, gateway: Use):
    """Server-sent events: the generation's view each time it changes, until it ends."""
    render = partial(generation_view, links=gateway.ports.links)
    store = gateway.ports.generations
    return await follow(request, store, who.account_id, generation_id, render, NOUN)


@router.get("/generations")
async def list_generations(
    who: Account, gateway: Use, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[dict]:
    """Your generations, newest first."""
    generations = await gateway.ports.generations.list(who.account_id, limit)
    return [generation_view(generation, gateway.ports.links) for generation in generations]
