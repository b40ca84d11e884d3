"""Ids the gateway makes. With an Idempotency-Key the request id derives from it, and every id
a request makes derives from the request id: a request run again after a crash makes the
same training, generation or ledger request, never a second one."""

import json
import uuid

from contracts.ids import stable_uuid


def request_id(scope: str, idempotency_key: str | None) -> str:
    """A fresh id, or the one the caller's Idempotency-Key always gives."""
    if idempotency_key is None:
        return uuid.uuid4().hex
    return stable_uuid("request", json.dumps([scope, idempotency_key])).hex


def derived(prefix: str, request: str, length: int = 16) -> str:
    return f"{prefix}_{stable_uuid(prefix, request).hex[:length]}"


def event_id(*parts: str) -> str:
    """The same thing announced again is the same event (JetStream drops the copy)."""
    return str(stable_uuid("gateway-event", *parts))
