"""What the gateway refuses, in domain words; api/errors.py maps each to one HTTP status.

Every message tells the user what to do about it.
"""


class Refused(Exception):
    """A request the platform will not carry out."""


class Invalid(Refused):
    """The request itself is wrong (HTTP 422)."""


class NotFound(Refused):
    """Nothing of the caller's has this id (HTTP 404; never 403, so ids leak nothing)."""


class Conflict(Refused):
    """The request clashes with the state of the caller's things (HTTP 409)."""


class Unavailable(Refused):
    """A part of the platform does not answer now; nothing was changed (HTTP 503)."""
