"""The event being handled right now, so outgoing events and log lines inherit its ids.

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


def current() -> Cause | None:
    return _current.get()


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
