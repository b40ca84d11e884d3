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


class PaymentRequired(Refused):
    """This is bought, not asked for (HTTP 402)."""


class BadRequest(Refused):
    """A message that is not what it claims to be, e.g. an unsigned webhook (HTTP 400)."""


class Unavailable(Refused):
    """A part of the platform does not answer now; nothing was changed (HTTP 503)."""


class Unauthorized(Refused):
    """Not signed in, or the credentials are wrong (HTTP 401); one generic message."""


class Forbidden(Refused):
    """Signed in, but this may not be done this way (HTTP 403)."""


class Throttled(Refused):
    """Too many failed attempts: try again after `retry_after_s` (HTTP 429)."""

    def __init__(self, message: str, retry_after_s: int):
        super().__init__(message)
        self.retry_after_s = retry_after_s
