"""Who is calling: an account (by API key, or by a dashboard session cookie) or the admin
(by AITRAIN_ADMIN_TOKEN).

A cookie is sent by the browser whoever made the page, so a cookie-authenticated unsafe
request must also come from this site's own pages: its Origin names this host and it carries
the session's CSRF token (which only this site's scripts can read, from GET /v1/session).
"""

import hmac
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request

from gateway import keys
from gateway.app.gateway import Gateway
from gateway.domain.records import Session

COOKIE = "aitrain_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def the_gateway(request: Request) -> Gateway:  # async: FastAPI runs a sync one in a thread
    return request.app.state.gateway


@dataclass(frozen=True)
class Caller:
    account_id: str | None
    key_id: str | None = None
    session: Session | None = None

    @property
    def is_admin(self) -> bool:
        return self.account_id is None

    @property
    def scope(self) -> str:
        """Whose Idempotency-Keys these are."""
        return self.account_id or "admin"


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


def same_site(request: Request) -> bool:
    """The request was made by this site's own pages (Origin, else Referer, names this host)."""
    origin = request.headers.get("Origin") or request.headers.get("Referer") or ""
    return bool(origin) and urlsplit(origin).netloc == request.headers.get("Host")


async def _session_caller(request: Request, gateway: Gateway, cookie: str) -> Caller:
    session = await gateway.sign_ins.session(cookie)
    if session is None:
        raise HTTPException(401, "your session has ended: sign in again")
    if request.method not in SAFE_METHODS:
        token = request.headers.get(CSRF_HEADER, "")
        if not same_site(request) or not hmac.compare_digest(token, session.csrf_token):
            raise HTTPException(403, "cross-site request refused: use the dashboard's own pages")
    return Caller(account_id=session.account_id, session=session)


async def caller(request: Request, gateway: Annotated[Gateway, Depends(the_gateway)]) -> Caller:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if not token and request.cookies.get(COOKIE):
        return await _session_caller(request, gateway, request.cookies[COOKIE])
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("sign in, or send your API key as 'Authorization: Bearer <api key>'")
    if keys.same_token(token, request.app.state.admin_token):
        return Caller(account_id=None)
    parsed = keys.parse(token)
    key = await gateway.account_keys.key(parsed[0]) if parsed else None
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
