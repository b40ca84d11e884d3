"""Generating images with one of the account's models, and their status (the use case is
app/generations.py)."""

from functools import partial
from typing import Annotated, get_args

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field, model_validator

from contracts.events.common import (
    MAX_MODELS,
    AspectRatio,
    GenerationSettings,
    Resolution,
    StylePreset,
)
from gateway.api.auth import Account, Use
from gateway.api.errors import RESPONSES
from gateway.api.idempotency import fingerprint, idempotent
from gateway.api.rendering import bases_view, generation_view
from gateway.api.streams import follow, owned
from gateway.api.strict import Strict

router = APIRouter(prefix="/v1", tags=["generations"], responses=RESPONSES)
NOUN = "generation"
MAX_OUTPUTS = 4


class ModelChoice(Strict):
    model_id: str = Field(min_length=1, max_length=100)
    """One of your models (GET /v1/models)."""
    weight: float = Field(default=1.0, ge=0, le=2)
    """How strongly it applies: 1 as trained, 0 leaves it out, up to 2."""
    version: int | None = Field(default=None, ge=1)
    """Which of its versions (GET /v1/models/{id} lists them); omitted: the latest."""


class Painting(Strict):
    """What to paint and how: the part of a request that is not about which models."""

    prompt: str = Field(min_length=1, max_length=1000)
    """What to paint; must contain each model's keyword."""
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


class GenerationRequest(Painting):
    model_id: str | None = Field(default=None, min_length=1, max_length=100)
    """One of your models (GET /v1/models); or name several in `models`."""
    version: int | None = Field(default=None, ge=1)
    """Which version of `model_id` (GET /v1/models/{id} lists them); omitted: the latest."""
    models: list[ModelChoice] | None = Field(default=None, min_length=1, max_length=MAX_MODELS)
    """Up to three of your models in one image (e.g. a character at 1 and a style at 0.7);
    the price is the same. Give `model_id` or `models`, not both."""

    @model_validator(mode="after")
    def _one_way_to_name_models(self) -> "GenerationRequest":
        if (self.model_id is None) == (self.models is None):
            raise ValueError("name your model in model_id, or up to three in models (not both)")
        if self.models is not None and self.version is not None:
            raise ValueError("with models, give each model's version in its entry")
        ids = [choice.model_id for choice in self.models or []]
        if len(set(ids)) != len(ids):
            raise ValueError("name each model once in models")
        return self

    def chosen(self) -> list[tuple[str, float, int | None]]:
        if self.models is None:
            return [(self.model_id, 1.0, self.version)]
        return [(choice.model_id, choice.weight, choice.version) for choice in self.models]


@router.get("/generation-options")
async def generation_options(request: Request, who: Account) -> dict:
    """The choices a generation request takes, for forms; `bases`: the base models (a
    generation paints on its models' one base; a `flux` one takes no negative prompt)."""
    return {
        "bases": bases_view(request.app.state.catalog),
        "aspect_ratios": list(get_args(AspectRatio)),
        "resolutions": list(get_args(Resolution)),
        "styles": list(get_args(StylePreset)),
        "max_outputs": MAX_OUTPUTS,
        "max_models": MAX_MODELS,
    }


@router.post("/generations", status_code=202)
async def create_generation(body: GenerationRequest, request: Request, who: Account, gateway: Use):
    """Generate 1-4 images with one of your models, or up to three together (each with a
    weight); the prompt must hold each one's keyword. 5 credits an image either way."""

    async def run(request_id: str) -> JSONResponse:
        generation = await gateway.request_generation(
            who.account_id,
            request_id,
            body.chosen(),
            body.prompt,
            body.negative_prompt,
            body.settings(),
        )
        answer = {"generation_id": generation.generation_id, "status": str(generation.status)}
        return JSONResponse(answer, status_code=202)

    # a request fingerprints as before `models` and versions existed: its retries still match
    unset = {"models"} if body.models is None else {"model_id"}
    if body.version is None:
        unset.add("version")
    content = fingerprint(request, body.model_dump_json(exclude=unset))
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
    live = gateway.live
    return await follow(request, live, store, who.account_id, generation_id, render, NOUN)


@router.get("/generations")
async def list_generations(
    who: Account, gateway: Use, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[dict]:
    """Your generations, newest first."""
    generations = await gateway.ports.generations.list(who.account_id, limit)
    return [generation_view(generation, gateway.ports.links) for generation in generations]
