"""Dataset context: an upload, and the verdict on it."""

from typing import ClassVar

from pydantic import Field

from contracts.envelope import Event, Model
from contracts.events.common import DatasetReport, TrainingSpec, TrainingType


class UploadedImage(Model):
    key: str = Field(description="Server-generated object key of the raw upload.")
    name: str = Field(description="Sanitised display name of the client's file.")
    caption: str | None = Field(default=None, description="The user's caption, if given.")


class DatasetUploaded(Event):
    """A user uploaded a training set (gateway)."""

    context: ClassVar[str] = "dataset"
    name: ClassVar[str] = "uploaded"
    training_id: str
    dataset_id: str
    training_type: TrainingType
    keyword: str
    images: list[UploadedImage]


class DatasetValidated(Event):
    """Every image passed (warnings allowed) and was preprocessed (dataset)."""

    context: ClassVar[str] = "dataset"
    name: ClassVar[str] = "validated"
    training_id: str
    dataset_id: str
    spec: TrainingSpec
    report: DatasetReport


class DatasetRejected(Event):
    """The set cannot be trained; the report says what to fix (dataset). Never charged."""

    context: ClassVar[str] = "dataset"
    name: ClassVar[str] = "rejected"
    training_id: str
    dataset_id: str
    reason: str = Field(description="One-line summary for the user.")
    report: DatasetReport
