"""Typed records to MongoDB documents and back.

The record's first field is the document's `_id`. Reading back copes with what the stores
return: naive datetimes (UTC) become aware, datetimes written by `$set` come back from the
embedded server as text and are parsed, booleans stored as integers become booleans (the
embedded server does that), status strings become their enums.
"""

import dataclasses
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar, get_args

R = TypeVar("R")


def to_doc(record: Any) -> dict:
    doc = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
    first = dataclasses.fields(record)[0].name
    doc["_id"] = doc.pop(first)
    return {k: (v.value if isinstance(v, Enum) else v) for k, v in doc.items()}


def from_doc(kind: type[R], doc: dict) -> R:
    fields = dataclasses.fields(kind)
    values = {"_id" if f is fields[0] else f.name: f for f in fields}
    return kind(
        **{
            field.name: _typed(field.type, doc[name])
            for name, field in values.items()
            if name in doc
        }
    )


def _typed(annotation: Any, value: Any) -> Any:
    kinds = get_args(annotation) or (annotation,)
    if value is None:
        return None
    if bool in kinds:
        return bool(value)
    if datetime in kinds:
        return as_datetime(value)
    for kind in kinds:
        if isinstance(kind, type) and issubclass(kind, Enum):
            return kind(value)
    return value


def as_datetime(value: datetime | str) -> datetime:
    if isinstance(value, str):  # the embedded server turns `$set` datetimes into text
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
