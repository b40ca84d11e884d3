"""The envelope every event carries (docs/architecture.md, "Events").

Events are frozen facts; readers ignore fields they do not know (tolerant reader), so adding
optional fields never breaks a consumer. `event_id` is deterministic where a retry must
produce the same event: JetStream drops the duplicate by its `Nats-Msg-Id`.
"""

import uuid
from datetime import UTC, datetime
from typing import ClassVar, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from contracts import causation
from contracts.ids import stable_uuid


def derived_event_id(cause_event_id: str, event_type: str, key: str = "") -> str:
    """The same cause, outcome type and key always give the same id (idempotent re-publish)."""
    return str(stable_uuid(cause_event_id, event_type, key))


class Schema(BaseModel):
    """Base of every schema in the contracts (events, their parts, queries): immutable,
    tolerant of unknown fields. Not called Model: in this product a model is a trained one."""

    model_config = ConfigDict(frozen=True, extra="ignore", use_attribute_docstrings=True)


class Event(Schema):
    """An event: the envelope fields plus the fact's own fields in subclasses."""

    context: ClassVar[str]
    """Bounded context that publishes it, the second token of its subject."""
    name: ClassVar[str]
    """Past-tense name within the context, the third token of its subject."""

    event_id: str = Field(description="Unique id; JetStream deduplicates on it (Nats-Msg-Id).")
    event_type: str = Field(description="Class name of the event, e.g. DatasetUploaded.")
    event_version: int = Field(default=1, description="Major version; also in the subject.")
    occurred_at: AwareDatetime = Field(description="When the fact happened (UTC).")
    correlation_id: str = Field(description="One per user request, copied through the chain.")
    causation_id: str | None = Field(
        default=None, description="event_id of the event that caused this one; None for roots."
    )
    account_id: str = Field(description="Account the fact belongs to.")

    @model_validator(mode="after")
    def _type_matches_class(self) -> Self:
        if self.event_type != type(self).__name__:
            raise ValueError(f"event_type {self.event_type!r} is not {type(self).__name__}")
        return self

    @classmethod
    def subject_suffix(cls) -> str:
        """`<context>.<event>.v<major>`; the bus prefix goes in front."""
        version = cls.model_fields["event_version"].default
        return f"{cls.context}.{cls.name}.v{version}"

    @classmethod
    def new(cls, *, key: str = "", **fields) -> Self:
        """Build an event, filling the envelope from the event being handled, if any.

        Inside a handler the correlation id, causation id and account are copied from the
        causing event and the id is derived from (cause, type, key), so a redelivered cause
        re-publishes an identical event. Outside a handler (a new user request) the caller
        passes `correlation_id` and `account_id`; the id is random unless `event_id` is given.
        """
        cause = causation.current()
        envelope: dict = {
            "event_type": cls.__name__,
            "occurred_at": datetime.now(UTC),
        }
        if cause is not None:
            envelope |= {
                "event_id": derived_event_id(cause.event_id, cls.__name__, key),
                "correlation_id": cause.correlation_id,
                "causation_id": cause.event_id,
                "account_id": cause.account_id,
            }
        else:
            correlation_id = causation.current_request() or str(uuid.uuid4())
            envelope |= {"event_id": str(uuid.uuid4()), "correlation_id": correlation_id}
        return cls(**(envelope | fields))
