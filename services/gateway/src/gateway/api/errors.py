"""One mapping from what the gateway refuses to HTTP, the same for every route."""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pymongo.errors import PyMongoError

from contracts.bus import QueryFailed
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


def _status(exc: Refused) -> int:
    return next(STATUS[kind] for kind in type(exc).__mro__ if kind in STATUS)


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        """Which field, and what is wrong with it; never the value sent back (a NaN or an
        Infinity in a body cannot even be written as JSON)."""
        detail = [{key: error[key] for key in ("type", "loc", "msg")} for error in exc.errors()]
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
