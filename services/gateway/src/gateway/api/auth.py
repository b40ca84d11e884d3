"""Who is calling: an account (by API key) or the admin (by AITRAIN_ADMIN_TOKEN)."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from gateway import keys
from gateway.app.gateway import Gateway


def the_gateway(request: Request) -> Gateway:
    return request.app.state.gateway


@dataclass(frozen=True)
class Caller:
    account_id: str | None
    key_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.account_id is None

    @property
    def scope(self) -> str:
        """Whose Idempotency-Keys these are."""
        return self.account_id or "admin"


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


async def caller(request: Request, gateway: Annotated[Gateway, Depends(the_gateway)]) -> Caller:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("send your API key as 'Authorization: Bearer <api key>'")
    if keys.same_token(token, request.app.state.admin_token):
        return Caller(account_id=None)
    parsed = keys.parse(token)
    key = await gateway.ports.accounts.key(parsed[0]) if parsed else None
    if key is None or not keys.matches(parsed[1], key.secret_hash):
        raise _unauthorized("this API key is not valid")
    if key.revoked_at is not None:
        raise _unauthorized("this API key was revoked; create a new one")
    return Caller(account_id=key.account_id, key_id=key.key_id)


async def account_caller(who: Annotated[Caller, Depends(caller)]) -> Caller:
    if who.is_admin:
        raise HTTPException(403, "this endpoint needs an account's API key, not the admin token")
    return who


async def admin_caller(who: Annotated[Caller, Depends(caller)]) -> Caller:
    if not who.is_admin:
        raise HTTPException(403, "only the admin token may do this")
    return who


Account = Annotated[Caller, Depends(account_caller)]
Admin = Annotated[Caller, Depends(admin_caller)]
Use = Annotated[Gateway, Depends(the_gateway)]
