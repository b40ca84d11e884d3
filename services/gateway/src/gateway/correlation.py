"""Per-request correlation: one id per user request, on every log line and every event.

A client may send `X-Correlation-ID` (e.g. to trace a retry); otherwise one is made. The id
is echoed in the response and set as the request's scope (`contracts.causation.requesting`),
so every event the request publishes carries it and every log line names it — no route
passes it by hand. The same wrapper counts and times the request for Prometheus.
"""

import re
import time
import uuid

import structlog
from fastapi import FastAPI

from contracts import causation, metrics

HEADER = "X-Correlation-ID"
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")  # never log or forward arbitrary bytes
log = structlog.get_logger("aitrain.http")


class Correlate:
    """ASGI middleware (plain ASGI: no task or thread per request)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        offered = dict(scope["headers"]).get(HEADER.lower().encode(), b"").decode("latin-1")
        correlation_id = offered if _ACCEPTABLE.match(offered) else str(uuid.uuid4())
        started, status = time.perf_counter(), 0

        async def answer(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", []), (HEADER.encode(), correlation_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        with causation.requesting(correlation_id):
            try:
                await self.app(scope, receive, answer)
            finally:
                seconds = time.perf_counter() - started
                log.info(
                    "http.request",
                    method=scope["method"],
                    path=scope["path"],
                    status=status,
                    duration_ms=round(seconds * 1000, 1),
                )
                _observe(scope, status, seconds)


def _observe(scope, status: int, seconds: float) -> None:
    """Per route template (set by the router once matched), never the raw path: ids in
    paths would make a series per model."""
    route = getattr(scope.get("route"), "path", "unmatched")
    metrics.REQUESTS.labels(scope["method"], route, str(status)).inc()
    metrics.REQUEST_SECONDS.labels(scope["method"], route).observe(seconds)


def install(app: FastAPI) -> None:
    app.add_middleware(Correlate)
