"""One mapping from what the gateway refuses to HTTP, the same for every route."""

import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from pymongo.errors import PyMongoError
from starlette.exceptions import HTTPException as StarletteHTTPException

from contracts.bus import QueryFailed
from gateway.api import strict
from gateway.domain.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    PaymentRequired,
    Refused,
    Throttled,
    Unauthorized,
    Unavailable,
)

STATUS: dict[type[Refused], int] = {
    BadRequest: 400,
    Invalid: 422,
    Unauthorized: 401,
    PaymentRequired: 402,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Throttled: 429,
    Unavailable: 503,
}


class Problem(BaseModel):
    detail: str | list
    """What is wrong and what to do about it (for a 422 of the request's shape: one item per
    field, with `loc` and `msg`)."""


RESPONSES: dict[int | str, dict] = {
    status: {"model": Problem, "description": description}
    for status, description in {
        400: "the body cannot be read (not JSON, or not UTF-8)",
        401: "not signed in, or the API key is not valid",
        403: "this caller may not do this",
        404: "nothing of the caller's has this id",
        409: "it clashes with the state of the caller's things",
        413: "the body is too large",
        422: "the request is wrong; the detail says what to fix",
        429: "too many requests or over a quota: see Retry-After",
        503: "a part of the platform does not answer; nothing was changed, try again",
    }.items()
}
"""Every route's possible refusals, for the OpenAPI document."""


def _status(exc: Refused) -> int:
    return next(STATUS[kind] for kind in type(exc).__mro__ if kind in STATUS)


def _allowed_methods(app: FastAPI, path: str) -> str:
    """Every method the document names for this path (Starlette's own 405 names only those
    of the first route that matched)."""
    methods = set()
    for template, operations in app.openapi()["paths"].items():
        if re.fullmatch(re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)), path):
            methods |= {method.upper() for method in operations}
    return ", ".join(sorted(methods | ({"HEAD"} if "GET" in methods else set())))


def _meant(request: Request, loc: list, name: str) -> str:
    """The field meant, for an unknown field at the top of the route's body model."""
    body = getattr(request.scope.get("route"), "body_field", None)
    model = getattr(getattr(body, "field_info", None), "annotation", None)
    if len(loc) != 2 or not (isinstance(model, type) and issubclass(model, BaseModel)):
        return ""
    return strict.meant(str(name), (f.alias or n for n, f in model.model_fields.items()))


def install(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(request.app, request.url.path)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        """Which field, and what is wrong with it; never the value sent back (a NaN or an
        Infinity in a body cannot even be written as JSON)."""
        detail = [{key: error[key] for key in ("type", "loc", "msg")} for error in exc.errors()]
        for error in detail:
            if error["type"] == "extra_forbidden":  # a JSON field the body does not declare
                name = error["loc"][-1]
                error["msg"] = f"unknown field {name!r}{_meant(request, error['loc'], name)}"
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, Throttled) else None
        return JSONResponse({"detail": str(exc)}, status_code=_status(exc), headers=headers)

    @app.exception_handler(PyMongoError)
    async def database_away(request: Request, exc: PyMongoError) -> JSONResponse:
        detail = "the platform's database does not answer now; nothing was changed, try again"
        return JSONResponse({"detail": detail}, status_code=503)

    @app.exception_handler(QueryFailed)
    async def no_answer(request: Request, exc: QueryFailed) -> JSONResponse:
        return JSONResponse({"detail": f"temporarily unavailable: {exc}"}, status_code=503)
