from contracts.settings import StorageSettings
from dataset.domain.retention import Retention
from dataset.domain.rules import Rules

SERVICE = "dataset"


class Settings(StorageSettings):
    """Dataset reads the shared endpoints and object storage (see contracts.settings)."""

    dataset_min_short_side: int = Rules.min_short_side
    """DATASET_MIN_SHORT_SIDE: photos with a shorter short side are refused."""
    dataset_good_short_side: int = Rules.good_short_side
    """DATASET_GOOD_SHORT_SIDE: photos below it get a warning."""
    dataset_resolution: int = Rules.resolution
    """DATASET_RESOLUTION: side of the square training images."""

    dataset_keep_checked_s: float = 3600.0
    """DATASET_KEEP_CHECKED_S: seconds the originals of a checked set are kept (then only
    the training PNGs, without metadata, remain)."""
    dataset_keep_rejected_h: float = 72.0
    """DATASET_KEEP_REJECTED_H: hours the originals of a rejected set are kept (its report
    shows them meanwhile)."""
    dataset_keep_dry_run_s: float = 86400.0
    """DATASET_KEEP_DRY_RUN_S: seconds the uploads of a dry run (a check before paying) are
    kept."""
    dataset_sweep_s: float = 60.0
    """DATASET_SWEEP_S: how often due originals are looked for."""

    def retention(self) -> Retention:
        return Retention(
            self.dataset_keep_checked_s,
            self.dataset_keep_rejected_h * 3600,
            self.dataset_keep_dry_run_s,
        )

    def rules(self) -> Rules:
        return Rules(
            min_short_side=self.dataset_min_short_side,
            good_short_side=self.dataset_good_short_side,
            resolution=self.dataset_resolution,
        )
