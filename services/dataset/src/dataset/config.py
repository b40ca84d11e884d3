from contracts.settings import StorageSettings
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

    def rules(self) -> Rules:
        return Rules(
            min_short_side=self.dataset_min_short_side,
            good_short_side=self.dataset_good_short_side,
            resolution=self.dataset_resolution,
        )
