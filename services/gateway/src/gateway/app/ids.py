"""Ids the gateway makes. With an Idempotency-Key the request id derives from it, and every id
a request makes derives from the request id: a request run again after a crash makes the
same training, generation or ledger request, never a second one."""

import uuid

_REQUESTS = uuid.UUID("0b6f6c2e-58a4-4f0e-bb5e-3f3c1c1a9e11")
_EVENTS = uuid.UUID("9a4c1e77-3b2d-4c8e-8f60-51d2a7b9e0c4")


def request_id(scope: str, idempotency_key: str | None) -> str:
    """A fresh id, or the one the caller's Idempotency-Key always gives."""
    if idempotency_key is None:
        return uuid.uuid4().hex
    return uuid.uuid5(_REQUESTS, f"{scope}/{idempotency_key}").hex


def derived(prefix: str, request: str, length: int = 16) -> str:
    return f"{prefix}_{uuid.uuid5(_REQUESTS, f'{prefix}/{request}').hex[:length]}"


def event_id(*parts: str) -> str:
    """The same thing announced again is the same event (JetStream drops the copy)."""
    return str(uuid.uuid5(_EVENTS, "/".join(parts)))
