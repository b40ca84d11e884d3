"""Limits every request meets before anything else runs: the body size, then the rate
limits (domain/rate_limits.py), by client address and by caller.

The caller is told apart without a database read: the key id of an API key (the part
before its secret) or a hash of the session cookie; an unverified name is harmless here,
since every request also counts against its address. The admin token is limited by address
only. Answers carry RateLimit-Limit, -Remaining and -Reset (of the tightest limit) and
RateLimit-Policy; a refusal is a 429 with Retry-After.
"""

import asyncio
import hashlib
import json
import math
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from gateway import keys
from gateway.api.auth import COOKIE
from gateway.api.uploads import MAX_REQUEST_BYTES
from gateway.domain import rate_limits
from gateway.domain.rate_limits import Rule, Verdict

MAX_BODY_BYTES = 256 * 1024
"""Any body but a training upload's (those stream under their own limits)."""
BIG_BODIES = {"/v1/trainings": MAX_REQUEST_BYTES}


def body_limit(path: str) -> int:
    return BIG_BODIES.get(path, MAX_BODY_BYTES)


class BodyTooLarge(Exception):
    pass


class LimitBodies:
    """ASGI middleware: a body over its path's limit is a 413, whether it declares its
    length or streams in chunks, before authentication or parsing read it."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = body_limit(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > limit:
            return await _too_large(send, limit)
        received, over, started = 0, False, False

        async def counted():
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    raise BodyTooLarge
            return message

        async def answer(message):
            # the app may turn the interrupted read into an answer of its own (a 400): the
            # caller gets the 413 instead
            nonlocal started
            if over:
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await _too_large(send, limit)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, answer)
        except BodyTooLarge:
            if not started:
                await _too_large(send, limit)


async def _too_large(send, limit: int) -> None:
    body = json.dumps({"detail": f"the request body is over {limit // 1024} KB"}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def caller_name(request: Request) -> str | None:
    """Who is calling, cheaply: `key:<id>`, `session:<hash>`, or None (admin, nobody)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer":
        if keys.same_token(token, request.app.state.admin_token):
            return None
        parsed = keys.parse(token)
        return f"key:{parsed[0]}" if parsed else None
    if cookie := request.cookies.get(COOKIE):
        return f"session:{hashlib.sha256(cookie.encode()).hexdigest()[:32]}"
    return None


def _headers(rule: Rule, verdict: Verdict) -> dict[str, str]:
    return {
        "RateLimit-Limit": str(rule.burst),
        "RateLimit-Remaining": str(verdict.remaining),
        "RateLimit-Reset": str(math.ceil(verdict.reset_s)),
        "RateLimit-Policy": rule.policy(),
    }


class RateLimit:
    """ASGI middleware (plain ASGI: no task or thread per request)."""

    def __init__(self, app, scale: float):
        self.app, self.scale = app, scale

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        store = request.app.state.gateway.ports.rate_limits
        address = request.client.host if request.client else "unknown"
        checks = [(f"address:{address}", rate_limits.PER_ADDRESS)]
        caller = caller_name(request)
        if caller:
            checks.append((caller, rate_limits.PER_CALLER))
        for rule in rate_limits.rules_for(request.method, request.url.path):
            # sign-in by address; uploads and generations by caller
            checks.append((address if rule is rate_limits.SIGN_IN else caller or address, rule))
        rules = [rule.scaled(self.scale) for _, rule in checks]
        now = time.time()
        verdicts = await asyncio.gather(
            *(store.take(key, rule, now) for (key, _), rule in zip(checks, rules, strict=True))
        )
        for rule, verdict in zip(rules, verdicts, strict=True):
            if not verdict.allowed:
                wait = max(1, math.ceil(verdict.retry_after_s))
                detail = (
                    f"too many requests ({rule.name} limit: {rule.policy()}); retry in {wait} s"
                )
                headers = _headers(rule, verdict) | {"Retry-After": str(wait)}
                refusal = JSONResponse({"detail": detail}, status_code=429, headers=headers)
                return await refusal(scope, receive, send)
        rule, verdict = min(zip(rules, verdicts, strict=True), key=lambda pair: pair[1].remaining)
        extra = [(k.encode(), v.encode()) for k, v in _headers(rule, verdict).items()]

        async def answer(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, answer)


def install(app: FastAPI, scale: float) -> None:
    """`scale` multiplies every limit (RATE_LIMIT_SCALE); 0 turns rate limits off."""
    if scale > 0:
        app.add_middleware(RateLimit, scale=scale)
    app.add_middleware(LimitBodies)  # outside the rate limit: a huge body is refused first
