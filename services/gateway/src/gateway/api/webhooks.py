"""Webhook endpoints of the calling account, their delivery log, and a test event.

Messages follow the Standard Webhooks spec: a JSON body `{"type", "timestamp", "data"}` with
`webhook-id`, `webhook-timestamp` and `webhook-signature` (HMAC-SHA256 with the endpoint's
secret); at least once, retried with backoff for about a day, then the endpoint is disabled.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field

from gateway.api.auth import Account, Use
from gateway.api.errors import RESPONSES
from gateway.api.idempotency import fingerprint, idempotent
from gateway.api.rendering import iso
from gateway.api.strict import Strict
from gateway.domain.webhooks import EVENT_TYPES, Attempt, Delivery, Endpoint

router = APIRouter(prefix="/v1", tags=["webhooks"], responses=RESPONSES)


class NewEndpoint(Strict):
    url: str = Field(max_length=2000, examples=["https://example.com/aitrain"])
    """Where messages are POSTed: https, a public address."""
    events: list[str] = Field(
        min_length=1, max_length=len(EVENT_TYPES), examples=[["training.completed"]]
    )
    """What to send: any of training.completed, training.failed, training.rejected,
    training.cancelled, generation.completed, generation.failed, model.deleted."""
    description: str = Field(default="", max_length=200)


class EndpointChange(Strict):
    url: str | None = Field(default=None, max_length=2000)
    events: list[str] | None = Field(default=None, min_length=1, max_length=len(EVENT_TYPES))
    description: str | None = Field(default=None, max_length=200)
    enabled: bool | None = None
    """true enables an endpoint again after the platform disabled it."""


def endpoint_view(endpoint: Endpoint) -> dict:
    return {
        "endpoint_id": endpoint.endpoint_id,
        "url": endpoint.url,
        "events": endpoint.events,
        "description": endpoint.description,
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "disabled_at": iso(endpoint.disabled_at),
        "created_at": iso(endpoint.created_at),
    }


def delivery_view(delivery: Delivery, attempts: list[Attempt]) -> dict:
    return {
        "delivery_id": delivery.delivery_id,
        "type": delivery.type,
        "state": delivery.state,
        "created_at": iso(delivery.created_at),
        "next_attempt_at": iso(delivery.next_at) if delivery.state == "pending" else None,
        "attempts": [
            {
                "at": iso(a.at),
                "status_code": a.status_code,
                "error": a.error,
                "duration_ms": a.duration_ms,
            }
            for a in attempts
        ],
    }


@router.post("/webhooks", status_code=201)
async def add_endpoint(new: NewEndpoint, request: Request, who: Account, gateway: Use):
    """A new endpoint. The answer holds its signing `secret` (`whsec_…`): store it now, it
    is never shown again."""

    async def run(request_id: str) -> JSONResponse:
        desk = gateway.webhook_endpoints
        made = await desk.add(who.account_id, request_id, new.url, new.events, new.description)
        return JSONResponse(endpoint_view(made) | {"secret": made.secret}, status_code=201)

    body = fingerprint(request, new.model_dump_json())
    return await idempotent(request, gateway, who.scope, body, run, True)


@router.get("/webhooks")
async def list_endpoints(who: Account, gateway: Use) -> dict:
    """The account's endpoints, oldest first, and the event types one may subscribe to."""
    endpoints = await gateway.ports.webhook_endpoints.of_account(who.account_id)
    return {"endpoints": [endpoint_view(e) for e in endpoints], "event_types": list(EVENT_TYPES)}


@router.get("/webhooks/{endpoint_id}")
async def get_endpoint(endpoint_id: str, who: Account, gateway: Use) -> dict:
    return endpoint_view(await gateway.webhook_endpoints.get(who.account_id, endpoint_id))


@router.patch("/webhooks/{endpoint_id}")
async def change_endpoint(endpoint_id: str, change: EndpointChange, who: Account, gateway: Use):
    """Change the URL, the events or the description; `enabled: true` after the platform
    disabled it (messages that failed meanwhile are not sent again)."""
    changed = await gateway.webhook_endpoints.change(
        who.account_id, endpoint_id, **change.model_dump(exclude_unset=True)
    )
    return endpoint_view(changed)


@router.delete("/webhooks/{endpoint_id}", status_code=204)
async def delete_endpoint(endpoint_id: str, who: Account, gateway: Use) -> Response:
    """The endpoint and its delivery log; nothing more is sent to it."""
    await gateway.webhook_endpoints.delete(who.account_id, endpoint_id)
    return Response(status_code=204)


@router.post("/webhooks/{endpoint_id}/test", status_code=202)
async def send_test_event(endpoint_id: str, who: Account, gateway: Use) -> dict:
    """Send a `webhook.test` message to this endpoint now; its delivery appears in the log."""
    delivery = await gateway.webhook_endpoints.send_test(who.account_id, endpoint_id)
    return delivery_view(delivery, [])


@router.get("/webhooks/{endpoint_id}/deliveries")
async def list_deliveries(
    endpoint_id: str, who: Account, gateway: Use, limit: Annotated[int, Query(ge=1, le=100)] = 30
) -> list[dict]:
    """The endpoint's messages, newest first, each with every attempt and its answer."""
    await gateway.webhook_endpoints.get(who.account_id, endpoint_id)  # 404 unless theirs
    store = gateway.ports.webhook_deliveries
    deliveries = await store.of_endpoint(who.account_id, endpoint_id, limit)
    attempts = await store.attempts_of([d.delivery_id for d in deliveries])
    return [
        delivery_view(d, [a for a in attempts if a.delivery_id == d.delivery_id])
        for d in deliveries
    ]
