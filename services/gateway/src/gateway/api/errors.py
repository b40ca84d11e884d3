"""One mapping from what the gateway refuses to HTTP, the same for every route."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pymongo.errors import PyMongoError

from contracts.bus import QueryFailed
from gateway.domain.errors import Conflict, Invalid, NotFound, Refused, Unavailable

STATUS: dict[type[Refused], int] = {Invalid: 422, NotFound: 404, Conflict: 409, Unavailable: 503}


def install(app: FastAPI) -> None:
    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=STATUS[type(exc)])

    @app.exception_handler(PyMongoError)
    async def database_away(request: Request, exc: PyMongoError) -> JSONResponse:
        detail = "the platform's database does not answer now; nothing was changed, try again"
        return JSONResponse({"detail": detail}, status_code=503)

    @app.exception_handler(QueryFailed)
    async def no_answer(request: Request, exc: QueryFailed) -> JSONResponse:
        return JSONResponse({"detail": f"temporarily unavailable: {exc}"}, status_code=503)
