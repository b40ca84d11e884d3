"""How a handler says what kind of failure it hit (docs/architecture.md, "Delivery rules").

Any other exception is treated as transient: the message is redelivered after a delay and
dead-lettered once its attempts are spent. A business rejection is not an error at all: the
handler publishes the failure event and returns.
"""


class PermanentError(Exception):
    """Retrying cannot help (e.g. the payload is malformed): dead-letter it now."""


class Handover(Exception):
    """The process is stopping in the middle of the job (its pod scaled down) and left it
    where another can pick it up: delivered again within seconds (`policy.HANDOVER_DELAY_S`),
    to a process that stays, not once its lease has run out."""
