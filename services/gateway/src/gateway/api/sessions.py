"""Signing in to the dashboard: sessions (a cookie), sign-up when open, one-time
set-password links, and the admin giving an account an email login."""

import hashlib

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import JSONResponse

from gateway.api.auth import COOKIE, Account, Admin, Use, same_site
from gateway.api.errors import RESPONSES
from gateway.api.idempotency import fingerprint, idempotent
from gateway.api.rendering import iso
from gateway.api.strict import Strict
from gateway.app import ids
from gateway.app.sign_ins import SignedIn
from gateway.domain.records import Session

router = APIRouter(prefix="/v1", tags=["sign-in"], responses=RESPONSES)


class Credentials(Strict):
    email: str
    password: str


class NewPassword(Strict):
    link: str
    """The secret of the one-time link (the part after `#link=`)."""
    password: str


class LoginRequest(Strict):
    email: str
    password: str | None = None
    """None: answer a one-time set-password link instead."""


def session_view(session: Session | None, account_id: str) -> dict:
    return {
        "account_id": account_id,
        "email": session.email if session else None,
        "csrf_token": session.csrf_token if session else None,
        "expires_at": iso(session.expires_at) if session else None,
    }


def _refuse_cross_site(request: Request) -> None:
    if request.headers.get("Origin") and not same_site(request):
        raise HTTPException(403, "cross-site request refused: use the dashboard's own pages")


def _signed_in(request: Request, signed: SignedIn, status_code: int) -> JSONResponse:
    session = signed.session
    answer = JSONResponse(session_view(session, session.account_id), status_code=status_code)
    answer.set_cookie(
        COOKIE,
        signed.cookie,
        max_age=int(session.expires_at - session.created_at),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return answer


@router.post("/sessions", status_code=201)
async def sign_in(body: Credentials, request: Request, gateway: Use) -> JSONResponse:
    """Sign in with email and password: sets the session cookie, answers the CSRF token."""
    _refuse_cross_site(request)
    address = request.client.host if request.client else "unknown"
    signed = await gateway.sign_ins.sign_in(body.email, body.password, address)
    return _signed_in(request, signed, 201)


@router.get("/session")
async def current_session(who: Account) -> dict:
    """Who is signed in, and the CSRF token this session's unsafe requests must send."""
    return session_view(who.session, who.account_id)


def _forget_cookie() -> Response:
    answer = Response(status_code=204)
    answer.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return answer


@router.delete("/session", status_code=204)
async def sign_out(who: Account, gateway: Use) -> Response:
    """End this browser's session."""
    if who.session:
        await gateway.sign_ins.sign_out(who.session)
    return _forget_cookie()


@router.delete("/sessions", status_code=204)
async def sign_out_everywhere(who: Account, gateway: Use) -> Response:
    """End every session of the account (every browser signs in again); API keys stay."""
    await gateway.sign_ins.sign_out_everywhere(who.account_id)
    return _forget_cookie()


@router.post("/sign-ups", status_code=201)
async def sign_up(body: Credentials, request: Request, gateway: Use) -> JSONResponse:
    """A new account, signed in at once — when AITRAIN_SIGNUP=open."""
    _refuse_cross_site(request)
    request_id = ids.request_id("sign-up", None)
    signed = await gateway.sign_ins.sign_up(request_id, body.email, body.password)
    return _signed_in(request, signed, 201)


@router.post("/password")
async def set_password(body: NewPassword, request: Request, gateway: Use) -> dict:
    """Set a password through a one-time link; then sign in with it."""
    _refuse_cross_site(request)
    return {"email": await gateway.sign_ins.set_password(body.link, body.password)}


@router.get("/signup")
async def signup_setting(gateway: Use) -> dict:
    """Whether the sign-in page may offer "create an account"."""
    return {"open": gateway.sign_ins.signup_open}


def link_url(request: Request, link: str | None) -> str | None:
    return f"{str(request.base_url).rstrip('/')}/set-password#link={link}" if link else None


@router.put("/accounts/{account_id}/login")
async def add_login(
    account_id: str, body: LoginRequest, request: Request, who: Admin, gateway: Use
):
    """Let a person sign in to the account with this email (admin): with the password given,
    or through the one-time `set_password_url` answered (valid 24 h, shown once)."""

    async def run(request_id: str) -> JSONResponse:
        link = await gateway.sign_ins.add_login(account_id, body.email, body.password)
        url = link_url(request, link)
        return JSONResponse(
            {"account_id": account_id, "email": body.email.strip().lower(), "set_password_url": url}
        )

    content = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
    return await idempotent(request, gateway, who.scope, fingerprint(request, content), run, True)
