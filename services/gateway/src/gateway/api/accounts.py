"""Accounts and their API keys."""

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel

from gateway import keys
from gateway.adapters.accounts import ApiKey
from gateway.api.auth import Account, Admin, Context

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


async def _issue_key(ctx: Context, account_id: str) -> keys.NewKey:
    made = keys.new_key()
    created = datetime.now(UTC)
    await ctx.accounts.add_key(ApiKey(made.key_id, account_id, made.secret_hash, created))
    return made


@router.post("/accounts", status_code=201)
async def create_account(_: Admin, ctx: Context) -> NewAccount:
    """Create an account and its first API key (admin)."""
    account_id = f"acct_{uuid.uuid4().hex[:16]}"
    await ctx.accounts.create_account(account_id)
    made = await _issue_key(ctx, account_id)
    return NewAccount(account_id=account_id, key_id=made.key_id, api_key=made.plaintext)


@router.post("/api-keys", status_code=201)
async def create_api_key(who: Account, ctx: Context) -> NewApiKey:
    """Another API key for the calling account (e.g. to rotate keys)."""
    made = await _issue_key(ctx, who.account_id)
    return NewApiKey(key_id=made.key_id, api_key=made.plaintext)


@router.get("/api-keys")
async def list_api_keys(who: Account, ctx: Context) -> list[ApiKeyInfo]:
    return [
        ApiKeyInfo(key_id=k.key_id, created_at=k.created_at, revoked=k.revoked_at is not None)
        for k in await ctx.accounts.keys_of(who.account_id)
    ]


@router.delete("/api-keys/{key_id}", status_code=204)
async def revoke_api_key(key_id: str, who: Account, ctx: Context) -> Response:
    """Revoke one of the caller's keys; it stops working at once (even the one calling)."""
    if not await ctx.accounts.revoke(who.account_id, key_id):
        raise HTTPException(404, f"no API key {key_id} on this account")
    return Response(status_code=204)
