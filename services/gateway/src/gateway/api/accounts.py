"""Accounts and their API keys."""

import hashlib
from datetime import datetime

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from gateway.api.auth import Account, Admin, Use
from gateway.api.errors import RESPONSES
from gateway.api.idempotency import fingerprint, idempotent
from gateway.api.sessions import link_url
from gateway.api.strict import Strict
from gateway.domain.errors import Invalid

router = APIRouter(prefix="/v1", tags=["accounts"], responses=RESPONSES)


class NewAccount(BaseModel):
    account_id: str
    key_id: str
    api_key: str
    """Shown only now: store it; only its hash is kept."""
    email: str | None = None
    set_password_url: str | None = None
    """With an email and no password: the person's one-time link to choose one (24 h)."""


class AccountRequest(Strict):
    email: str | None = None
    """Optional: the email the person signs in to the dashboard with."""
    password: str | None = None
    """Optional with an email: their first password (else a set-password link is made)."""


class NewApiKey(BaseModel):
    key_id: str
    api_key: str
    """Shown only now: store it; only its hash is kept."""


class ApiKeyInfo(BaseModel):
    key_id: str
    created_at: datetime
    revoked: bool


@router.post("/accounts", status_code=201, response_model=NewAccount)
async def create_account(
    request: Request, who: Admin, gateway: Use, wanted: AccountRequest | None = None
) -> JSONResponse:
    """Create an account and its first API key (admin); with an email, a dashboard login."""
    wanted = wanted or AccountRequest()
    if wanted.password is not None and wanted.email is None:
        raise Invalid("a password needs the email it signs in with")

    async def run(request_id: str) -> JSONResponse:
        sign_ins = gateway.sign_ins
        if wanted.email is not None:
            await sign_ins.check_new_login(wanted.email, wanted.password)
        made = await gateway.account_keys.create_account(request_id)
        link = None
        if wanted.email is not None:
            link = await sign_ins.add_login(made.account_id, wanted.email, wanted.password)
        body = NewAccount(
            account_id=made.account_id,
            key_id=made.key.key_id,
            api_key=made.key.plaintext,
            email=wanted.email.strip().lower() if wanted.email else None,
            set_password_url=link_url(request, link),
        )
        return JSONResponse(body.model_dump(), status_code=201)

    content = hashlib.sha256(wanted.model_dump_json().encode()).hexdigest()
    return await idempotent(request, gateway, who.scope, fingerprint(request, content), run, True)


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
