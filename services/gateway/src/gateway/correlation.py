"""Per-request correlation: one id per user request, on every log line and every event.

A client may send `X-Correlation-ID` (e.g. to trace a retry); otherwise one is made. The id
is echoed in the response and set as the request's scope (`contracts.causation.requesting`),
so every event the request publishes carries it and every log line names it — no route
passes it by hand.
"""

import re
import time
import uuid

import structlog
from fastapi import FastAPI, Request, Response

from contracts import causation

HEADER = "X-Correlation-ID"
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")  # never log or forward arbitrary bytes
log = structlog.get_logger("aitrain.http")


def install(app: FastAPI) -> None:
    @app.middleware("http")
    async def correlate(request: Request, call_next) -> Response:
        offered = request.headers.get(HEADER, "")
        correlation_id = offered if _ACCEPTABLE.match(offered) else str(uuid.uuid4())
        started = time.perf_counter()
        with causation.requesting(correlation_id):
            response = await call_next(request)
            log.info(
                "http.request",
                method=request.method,
                path=request.url.path,
                status=response.status_code,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )
        response.headers[HEADER] = correlation_id
        return response
