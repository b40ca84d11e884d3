"""An account's webhook endpoints: made (the secret shown this once), changed, enabled again
after the platform disabled one, deleted, and sent a test event."""

import json
import time
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from gateway.app import ids
from gateway.domain import signing, webhook_urls
from gateway.domain.errors import Conflict, Invalid, NotFound
from gateway.domain.webhooks import EVENT_TYPES, MAX_ENDPOINTS, TEST_TYPE, Delivery, Endpoint
from gateway.ports import WebhookDeliveries, WebhookEndpoints, WebhookSender

MAX_DESCRIPTION = 200


@dataclass
class WebhookEndpointsDesk:
    endpoints: WebhookEndpoints
    deliveries: WebhookDeliveries
    sender: WebhookSender

    async def add(
        self, account_id: str, request_id: str, url: str, events: list[str], description: str = ""
    ) -> Endpoint:
        """A new endpoint; its `secret` is returned now and never shown again. The request
        run again (its gateway died) makes the same endpoint, not a second."""
        endpoint_id = ids.derived("whe", request_id)
        if made := await self.endpoints.get(account_id, endpoint_id):
            return made
        if len(await self.endpoints.of_account(account_id)) >= MAX_ENDPOINTS:
            raise Conflict(f"an account has at most {MAX_ENDPOINTS} webhook endpoints; delete one")
        endpoint = Endpoint(
            endpoint_id=endpoint_id,
            account_id=account_id,
            url=await self._checked_url(url),
            events=_checked_events(events),
            secret=signing.new_secret(),
            created_at=time.time(),
            description=_checked_description(description),
        )
        await self.endpoints.add(endpoint)
        return endpoint

    async def get(self, account_id: str, endpoint_id: str) -> Endpoint:
        endpoint = await self.endpoints.get(account_id, endpoint_id)
        if endpoint is None:
            raise NotFound(f"no webhook endpoint {endpoint_id} in this account")
        return endpoint

    async def change(
        self,
        account_id: str,
        endpoint_id: str,
        *,
        url: str | None = None,
        events: list[str] | None = None,
        description: str | None = None,
        enabled: bool | None = None,
    ) -> Endpoint:
        """Change what is given; `enabled=True` also clears why the platform disabled it."""
        endpoint = await self.get(account_id, endpoint_id)
        if url is not None:
            endpoint.url = await self._checked_url(url)
        if events is not None:
            endpoint.events = _checked_events(events)
        if description is not None:
            endpoint.description = _checked_description(description)
        if enabled is not None:
            endpoint = replace(
                endpoint,
                enabled=enabled,
                disabled_reason=None if enabled else "disabled by you",
                disabled_at=None if enabled else time.time(),
            )
        await self.endpoints.save(endpoint)
        return endpoint

    async def delete(self, account_id: str, endpoint_id: str) -> None:
        if not await self.endpoints.delete(account_id, endpoint_id):
            raise NotFound(f"no webhook endpoint {endpoint_id} in this account")
        await self.deliveries.forget(endpoint_id)

    async def send_test(self, account_id: str, endpoint_id: str) -> Delivery:
        """A `webhook.test` message to this endpoint, sent like any other (signed, retried);
        a disabled endpoint gets none."""
        endpoint = await self.get(account_id, endpoint_id)
        if not endpoint.enabled:
            raise Conflict("this endpoint is disabled; enable it first, then send a test")
        now = time.time()
        body = {
            "type": TEST_TYPE,
            "timestamp": datetime.fromtimestamp(now, UTC).isoformat().replace("+00:00", "Z"),
            "data": {"endpoint_id": endpoint_id, "message": "a test event from aitrain"},
        }
        delivery = Delivery(
            delivery_id=f"msg_{uuid.uuid4().hex}",
            endpoint_id=endpoint_id,
            account_id=account_id,
            type=TEST_TYPE,
            body=json.dumps(body, separators=(",", ":")),
            created_at=now,
            next_at=now,
        )
        await self.deliveries.add(delivery)
        return delivery

    async def _checked_url(self, url: str) -> str:
        url = url.strip()
        if refused := await self.sender.refusal(webhook_urls.parse(url)):
            raise Invalid(refused)
        return url


def _checked_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown or not events:
        raise Invalid(
            f"events must name one or more of {', '.join(EVENT_TYPES)}"
            + (f" (unknown: {', '.join(unknown)})" if unknown else "")
        )
    return [t for t in EVENT_TYPES if t in events]  # one order, no repeats


def _checked_description(description: str) -> str:
    if len(description) > MAX_DESCRIPTION:
        raise Invalid(f"the description is longer than {MAX_DESCRIPTION} characters")
    return description
