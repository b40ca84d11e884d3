"""Request-reply over core NATS: a service answers queries; another asks and waits.

Every process of the answering service joins one queue group, so each query is answered
once. Replies travel as {"ok": true, "result": ...} or {"ok": false, "error": ...}, so a
failure reaches the asker as QueryFailed with its reason instead of a silent timeout.
"""

import json
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
from faststream.nats.annotations import NatsMessage
from pydantic import ValidationError

from contracts.envelope import Schema

Q = TypeVar("Q", bound=Schema)
R = TypeVar("R", bound=Schema)

log = structlog.get_logger("aitrain.queries")
TIMEOUT_S = 3.0


class QueryFailed(Exception):
    """The service could not answer (or did not answer in time)."""


def answer(bus, query: str, request: type[Q]) -> Callable:
    """Decorator: `handler(request) -> reply` answers `<prefix>_query.<service>.<query>`."""

    def register(handler: Callable[[Q], Awaitable[Schema]]):
        async def on_request(msg: NatsMessage) -> dict:
            try:
                reply = await handler(request.model_validate_json(msg.body))
            except ValidationError as exc:
                return {"ok": False, "error": f"invalid {request.__name__}: {exc}"}
            except Exception as exc:
                log.exception("query.failed", query=query)
                return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            return {"ok": True, "result": reply.model_dump(mode="json")}

        bus.broker.subscriber(
            bus.topology.query_subject(bus.service, query),
            queue=bus.service,
            title=f"{bus.service}:query:{query}",
            description=(handler.__doc__ or "").strip(),
        )(on_request)
        return handler

    return register


async def ask(
    bus,
    service: str,
    query: str,
    request: Schema,
    reply: type[R],
    timeout_s: float = TIMEOUT_S,
) -> R:
    subject = bus.topology.query_subject(service, query)
    try:
        msg = await bus.broker.request(request.model_dump(mode="json"), subject, timeout=timeout_s)
    except Exception as exc:
        raise QueryFailed(f"{service} did not answer {query}: {type(exc).__name__}") from exc
    body = json.loads(msg.body)
    if not body.get("ok"):
        raise QueryFailed(f"{service} could not answer {query}: {body.get('error')}")
    return reply.model_validate(body["result"])
