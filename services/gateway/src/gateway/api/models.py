"""The account's ready models: what a keyword switcher lists, downloading one's LoRA, and
deleting one (no refund)."""

from typing import Annotated

from fastapi import APIRouter, Query

from gateway.api.auth import Account, Use
from gateway.api.errors import RESPONSES
from gateway.api.rendering import model_view
from gateway.app.models import WeightsFormat, live_model, weights_link

router = APIRouter(prefix="/v1", tags=["models"], responses=RESPONSES)


@router.get("/models")
async def list_models(
    who: Account, gateway: Use, limit: Annotated[int, Query(ge=1, le=100)] = 100
) -> list[dict]:
    """Ready models, newest first."""
    models = await gateway.ports.models.list(who.account_id, limit)
    return [model_view(model, gateway.ports.links) for model in models]


@router.get("/models/{model_id}")
async def get_model(model_id: str, who: Account, gateway: Use) -> dict:
    model = await live_model(gateway.ports.models, who.account_id, model_id)
    return model_view(model, gateway.ports.links)


@router.get("/models/{model_id}/weights")
async def get_model_weights(
    model_id: str, who: Account, gateway: Use, format: WeightsFormat = "diffusers"
) -> dict:
    """A link (presigned, LINK_TTL_S) to download the model's LoRA as safetensors: `diffusers`
    for diffusers' `load_lora_weights`, `kohya` for ComfyUI and AUTOMATIC1111. 409 for kohya
    on a model trained before kohya files were stored."""
    return await weights_link(
        gateway.ports.models, gateway.ports.links, who.account_id, model_id, format
    )


@router.delete("/models/{model_id}")
async def delete_model(model_id: str, who: Account, gateway: Use) -> dict:
    """Delete a model for good: its weights go, its keyword is free again, no refund."""
    await gateway.delete_model(who.account_id, model_id)
    return {"model_id": model_id, "deleted": True}
