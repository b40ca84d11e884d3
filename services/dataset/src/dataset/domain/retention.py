"""How long the uploaded originals are kept once a set is answered (see handlers)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Retention:
    keep_checked_s: float = 3600.0
    """Long past any redelivery of the upload, after which a set is not checked again."""
    keep_rejected_s: float = 72 * 3600.0
    """The rejected set's report shows them while the user fixes the set."""
    keep_dry_run_s: float = 24 * 3600.0
    """A dry run's uploads: long enough to come back to, never used for training."""
