"""Dataset context: an upload, and the verdict on it."""

from typing import ClassVar

from contracts.envelope import Event, Schema
from contracts.events.common import DatasetReport, TrainingOverrides, TrainingSpec, TrainingType


class UploadedImage(Schema):
    key: str
    """Server-generated object key of the raw upload."""
    name: str
    """Sanitised display name of the client's file, for reports only."""
    caption: str | None = None
    """The user's caption for this image, if one was uploaded."""


class DatasetUploaded(Event):
    """A user uploaded a training set (gateway)."""

    context: ClassVar[str] = "dataset"
    name: ClassVar[str] = "uploaded"
    training_id: str
    """The training this upload starts."""
    dataset_id: str
    """The uploaded set; its objects live under accounts/{account_id}/datasets/{dataset_id}/."""
    training_type: TrainingType
    """character, style or object."""
    keyword: str
    """The unique keyword chosen by the user."""
    images: list[UploadedImage]
    """The raw uploads, in upload order."""
    overrides: TrainingOverrides | None = None
    """Changes to the training preset the user asked for, if any."""
    version_of: str | None = None
    """The model this training retrains: its model becomes that model's next version, under
    the same keyword (None: a new model)."""
    base: str | None = None
    """The base model to train on, by its catalog name (contracts.bases); None: the
    catalog's default."""


class DatasetValidated(Event):
    """Every image passed (warnings allowed) and the set was preprocessed (dataset)."""

    context: ClassVar[str] = "dataset"
    name: ClassVar[str] = "validated"
    training_id: str
    """The training this set belongs to."""
    dataset_id: str
    """The validated set."""
    spec: TrainingSpec
    """The processed images and captions, ready for training."""
    report: DatasetReport
    """Per-image findings (warnings only) to show the user."""


class DatasetRejected(Event):
    """The set cannot be trained; the report says what to fix (dataset). Never charged."""

    context: ClassVar[str] = "dataset"
    name: ClassVar[str] = "rejected"
    training_id: str
    """The training that will not run."""
    dataset_id: str
    """The rejected set."""
    reason: str
    """One-line summary for the user."""
    report: DatasetReport
    """Per-image findings; at least one is an error."""
