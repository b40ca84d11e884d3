"""`Idempotency-Key` for every POST that creates or changes something, one mechanism for all
(after the IETF httpapi idempotency-key draft):

- the same key with the same request gets the same answer, forever (kept in the gateway's
  database, not in a time window);
- the same key with another request is a 422; while the first is still being handled, a 409;
- only answers that changed something are kept (2xx without Retry-After): a refused or
  failed request changed nothing and simply runs again;
- answers holding a new secret (an API key) are kept SECRET_KEEP_S only, then deleted, so the
  database never keeps a usable key for long;
- the key also derives the request's ids (app/ids.py): a request whose gateway died while
  handling it (its claim goes stale after STALE_CLAIM_S) runs again as the same request.
"""

import asyncio
import contextlib
import hashlib
import json
import time
from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import JSONResponse

from gateway.app import ids
from gateway.app.gateway import Gateway
from gateway.domain.errors import Conflict, Invalid
from gateway.ports import Remembered

HEADER = "Idempotency-Key"
STALE_CLAIM_S = 10 * 60.0
SECRET_KEEP_S = 24 * 3600.0
Run = Callable[[str], Awaitable[JSONResponse]]


def fingerprint(request: Request, payload: str) -> str:
    """What makes two requests "the same": method, path and the request's content."""
    text = f"{request.method} {request.url.path}\n{payload}"
    return hashlib.sha256(text.encode()).hexdigest()


async def idempotent(
    request: Request,
    gateway: Gateway,
    scope: str,
    print_: str,
    run: Run,
    holds_secret: bool = False,
) -> JSONResponse:
    """Answer with `run(request_id)`, or with what the same keyed request got before."""
    key = request.headers.get(HEADER) or None  # an empty header is no key
    if key is None:
        return await run(ids.request_id(scope, None))
    if len(key) > 200:
        raise Invalid(f"{HEADER} must be at most 200 characters")
    store, stored_key, now = gateway.ports.idempotency, json.dumps([scope, key]), time.time()
    seen = await store.claim(stored_key, print_, now)
    if seen is not None and seen.expires_at is not None and seen.expires_at < now:
        await store.forget_expired(now)  # its secret is gone: the key is free again
        seen = await store.claim(stored_key, print_, now)
    if seen is not None:
        if seen.fingerprint != print_:
            raise Invalid(f"this {HEADER} was used for a different request")
        if seen.done:
            return JSONResponse(seen.body, seen.status_code)
        stale = now - seen.claimed_at > STALE_CLAIM_S
        if not (stale and await store.take_over(stored_key, seen, print_, now)):
            raise Conflict(f"a request with this {HEADER} is still being handled; try again soon")
    try:
        response = await run(ids.request_id(scope, key))
    except BaseException:
        await store.release(stored_key, now)
        raise
    if 200 <= response.status_code < 300 and "retry-after" not in response.headers:
        expires = now + SECRET_KEEP_S if holds_secret else None
        body = json.loads(response.body)
        await store.complete(
            stored_key, Remembered(print_, now, response.status_code, body, expires)
        )
    else:
        await store.release(stored_key, now)
    return response


async def forget_expired_answers(gateway: Gateway, every_s: float = 300.0) -> None:
    """Delete remembered answers past their time (those holding a new API key), forever."""
    while True:
        with contextlib.suppress(Exception):  # the database is away: next round
            await gateway.ports.idempotency.forget_expired(time.time())
        await asyncio.sleep(every_s)
