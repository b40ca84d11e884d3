"""Ids derived from names: the same names always give the same id, so a retried request or a
redelivered event makes the same thing, never a second one. One namespace for the platform;
the first name says what the id is for."""

import uuid

PLATFORM = uuid.UUID("6f1c3a52-8d2e-4b4a-9a57-0e9b1f1d2c10")


def stable_uuid(*names: str) -> uuid.UUID:
    return uuid.uuid5(PLATFORM, "/".join(names))
