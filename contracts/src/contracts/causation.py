"""The event (or user request) being handled right now, so outgoing events and log lines
inherit its ids.

A contextvar (not a global) keeps concurrent handlers apart: each asyncio task sees its own.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import structlog


@dataclass(frozen=True)
class Cause:
    event_id: str
    correlation_id: str
    account_id: str


_current: ContextVar[Cause | None] = ContextVar("aitrain_cause", default=None)


_request: ContextVar[str | None] = ContextVar("aitrain_request", default=None)


def current() -> Cause | None:
    return _current.get()


def current_request() -> str | None:
    """Correlation id of the user request being served (HTTP), when there is no cause."""
    return _request.get()


@contextmanager
def requesting(correlation_id: str) -> Iterator[None]:
    """Within this block new root events (those no event caused) carry this request's
    correlation id, and every log line names it."""
    token = _request.set(correlation_id)
    with structlog.contextvars.bound_contextvars(correlation_id=correlation_id):
        try:
            yield
        finally:
            _request.reset(token)


@contextmanager
def handling(cause: Cause) -> Iterator[None]:
    """Within this block new events are caused by `cause`, and every log line names it."""
    token = _current.set(cause)
    with structlog.contextvars.bound_contextvars(
        correlation_id=cause.correlation_id,
        causation_id=cause.event_id,
        account_id=cause.account_id,
    ):
        try:
            yield
        finally:
            _current.reset(token)
