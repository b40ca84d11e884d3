"""Dataset use cases.

The image checks and preprocessing arrive with the dataset issue; the foundation only
wires them, so for now the handler records that it received its event.
"""

import structlog

from contracts.bus import Delivery
from contracts.events import DatasetUploaded

log = structlog.get_logger(__name__)


class DatasetHandlers:
    async def on_dataset_uploaded(self, event: DatasetUploaded, delivery: Delivery) -> None:
        """Check every image, preprocess a valid set, publish the verdict."""
        log.info("dataset.received", training_id=event.training_id)
