"""Accounts and their API keys."""

from datetime import datetime

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from gateway.api.auth import Account, Admin, Use
from gateway.api.idempotency import fingerprint, idempotent

router = APIRouter(prefix="/v1", tags=["accounts"])


class NewAccount(BaseModel):
    account_id: str
    key_id: str
    api_key: str
    """Shown only now: store it; only its hash is kept."""


class NewApiKey(BaseModel):
    key_id: str
    api_key: str
    """Shown only now: store it; only its hash is kept."""


class ApiKeyInfo(BaseModel):
    key_id: str
    created_at: datetime
    revoked: bool


@router.post("/accounts", status_code=201, response_model=NewAccount)
async def create_account(request: Request, who: Admin, gateway: Use) -> JSONResponse:
    """Create an account and its first API key (admin)."""

    async def run(request_id: str) -> JSONResponse:
        made = await gateway.account_keys.create_account(request_id)
        body = NewAccount(
            account_id=made.account_id, key_id=made.key.key_id, api_key=made.key.plaintext
        )
        return JSONResponse(body.model_dump(), status_code=201)

    return await idempotent(request, gateway, who.scope, fingerprint(request, ""), run, True)


@router.post("/api-keys", status_code=201, response_model=NewApiKey)
async def create_api_key(request: Request, who: Account, gateway: Use) -> JSONResponse:
    """Another API key for the calling account (e.g. to rotate keys)."""

    async def run(request_id: str) -> JSONResponse:
        made = await gateway.account_keys.issue(who.account_id)
        body = NewApiKey(key_id=made.key_id, api_key=made.plaintext)
        return JSONResponse(body.model_dump(), status_code=201)

    return await idempotent(request, gateway, who.scope, fingerprint(request, ""), run, True)


@router.get("/api-keys")
async def list_api_keys(who: Account, gateway: Use) -> list[ApiKeyInfo]:
    return [
        ApiKeyInfo(key_id=k.key_id, created_at=k.created_at, revoked=k.revoked_at is not None)
        for k in await gateway.ports.accounts.keys_of(who.account_id)
    ]


@router.delete("/api-keys/{key_id}", status_code=204)
async def revoke_api_key(key_id: str, who: Account, gateway: Use) -> Response:
    """Revoke one of the caller's keys; it stops working at once (even the one calling)."""
    await gateway.account_keys.revoke(who.account_id, key_id)
    return Response(status_code=204)
