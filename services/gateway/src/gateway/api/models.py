"""The account's ready models with their versions: what a keyword switcher lists,
downloading one's LoRA, comparing its versions, and deleting it (no refund)."""

from itertools import groupby
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field, model_validator

from gateway.api.auth import Account, Use
from gateway.api.errors import RESPONSES
from gateway.api.generations import Painting
from gateway.api.idempotency import fingerprint, idempotent
from gateway.api.rendering import model_view
from gateway.app.comparisons import MAX_COMPARED
from gateway.app.models import WeightsFormat, versions_of, weights_link

router = APIRouter(prefix="/v1", tags=["models"], responses=RESPONSES)
Version = Annotated[int | None, Query(ge=1, description="one version; omitted: the latest")]
EVERY_VERSION = 1000
"""Versions read to list an account's models (far more than anyone keeps)."""


@router.get("/models")
async def list_models(
    who: Account, gateway: Use, limit: Annotated[int, Query(ge=1, le=100)] = 100
) -> list[dict]:
    """Ready models, the most recently trained first, each with its versions."""
    every = await gateway.ports.models.list(who.account_id, EVERY_VERSION)
    newest_first = list(dict.fromkeys(model.family for model in every))[:limit]
    by_family = sorted(every, key=lambda model: (model.family, model.version))
    versions = {family: list(group) for family, group in groupby(by_family, lambda m: m.family)}
    return [model_view(versions[family], gateway.ports.links) for family in newest_first]


@router.get("/models/{model_id}")
async def get_model(model_id: str, who: Account, gateway: Use) -> dict:
    """The model with its versions, oldest first (a version's own id names its model too)."""
    versions = await versions_of(gateway.ports.models, who.account_id, model_id)
    return model_view(versions, gateway.ports.links)


@router.get("/models/{model_id}/weights")
async def get_model_weights(
    model_id: str,
    who: Account,
    gateway: Use,
    format: WeightsFormat = "diffusers",
    version: Version = None,
) -> dict:
    """A link (presigned, LINK_TTL_S) to download the model's LoRA as safetensors: `diffusers`
    for diffusers' `load_lora_weights`, `kohya` for ComfyUI and AUTOMATIC1111. 409 for kohya
    on a model trained before kohya files were stored."""
    return await weights_link(
        gateway.ports.models, gateway.ports.links, who.account_id, model_id, format, version
    )


class CompareRequest(Painting):
    versions: list[int] | None = Field(default=None, min_length=2, max_length=MAX_COMPARED)
    """The versions to compare; omitted: the latest four (or all, when fewer)."""

    @model_validator(mode="after")
    def _each_version_once(self) -> "CompareRequest":
        if self.versions is not None and len(set(self.versions)) != len(self.versions):
            raise ValueError("name each version once in versions")
        return self


@router.post("/models/{model_id}/compare", status_code=202)
async def compare_versions(
    model_id: str, body: CompareRequest, request: Request, who: Account, gateway: Use
):
    """Paint the same prompt with the same settings and seed on each version of the model,
    side by side: a generation per version, each billed as images (5 credits an image). 402
    when the balance does not cover all of them; 409 for a model with one version."""

    async def run(request_id: str) -> JSONResponse:
        comparison = await gateway.compare_versions(
            who.account_id,
            request_id,
            model_id,
            body.versions,
            body.prompt,
            body.negative_prompt,
            body.settings(),
        )
        answer = {
            "model_id": comparison.model_id,
            "seed": comparison.seed,
            "credits": comparison.credits,
            "generations": [
                {
                    "version": version,
                    "generation_id": generation.generation_id,
                    "status": str(generation.status),
                }
                for version, generation in comparison.generations
            ],
        }
        return JSONResponse(answer, status_code=202)

    content = fingerprint(request, model_id + body.model_dump_json())
    return await idempotent(request, gateway, who.scope, content, run)


@router.delete("/models/{model_id}")
async def delete_model(
    model_id: str,
    who: Account,
    gateway: Use,
    version: Annotated[int | None, Query(ge=1, description="omitted: every version")] = None,
) -> dict:
    """Delete a model for good, every version (or only `version`): the weights go, the
    keyword is free again once no version is left, no refund. 409 while a new version of it
    trains."""
    deleted = await gateway.delete_model(who.account_id, model_id, version)
    versions = [model.version for model in deleted]
    return {"model_id": deleted[0].family, "versions": versions, "deleted": True}
