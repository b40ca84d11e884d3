"""What the gateway asks the dataset service: check a set without starting a training (a
dry run; nothing is charged, nothing is announced)."""

from datetime import datetime

from contracts.envelope import Schema
from contracts.events.common import DatasetReport, TrainingType
from contracts.events.dataset import UploadedImage

SERVICE = "dataset"
CHECK_TIMEOUT_S = 30.0
"""How long the gateway waits for a check: the photos are decoded and checked one after
another. 20 photos of examples/zxq took 2-3.5 s on 2 busy CPU cores; 25 large photos (and
face detection for characters) take several times that, and two checks at once queue."""


class CheckQuery(Schema):
    account_id: str
    """Whose photos these are."""
    check_id: str
    """The check; its uploads are under originals/{account_id}/{check_id}/."""
    training_type: TrainingType
    """character, style or object: what the photos are checked for (faces for characters)."""
    images: list[UploadedImage]
    """The uploads, in upload order."""


class CheckAnswer(Schema):
    report: DatasetReport
    """The same per-image and set report a training's check gives."""
    originals_deleted_after: datetime
    """When the uploads are deleted (UTC); nothing else of them is kept."""
