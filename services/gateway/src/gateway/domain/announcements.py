"""Which bus events an account's webhooks hear, as what, and with which data.

The data is what a receiver needs to act: ids, the status as the API shows it, the reason,
and `url`, where the API tells the rest. Never a presigned link: a message may be retried for
a day, and a link handed to a third party would outlive its purpose.
"""

from dataclasses import dataclass

from contracts import events as ev
from contracts.envelope import Event


@dataclass(frozen=True)
class Announcement:
    type: str
    """One of domain.webhooks.EVENT_TYPES."""
    data: dict
    path: str
    """The API path of the thing it is about (the receiver's `url` is the public URL + this)."""


ANNOUNCED = (
    ev.TrainingCompleted,
    ev.TrainingFailed,
    ev.DatasetRejected,
    ev.TrainingChargeRejected,
    ev.TrainingCancelled,
    ev.ImageGenerated,
    ev.GenerationFailed,
    ev.CreditsDebitRejected,
    ev.ModelDeleted,
)


def announcement(event: Event) -> Announcement | None:
    match event:
        case ev.TrainingCompleted():
            return _training(
                event, "training.completed", "completed", model_id=event.model_id,
                keyword=event.keyword, type=event.training_type,
            )  # fmt: skip
        case ev.TrainingFailed():
            return _training(event, "training.failed", "failed", reason=event.reason)
        case ev.DatasetRejected():
            return _training(event, "training.rejected", "rejected", reason=event.reason)
        case ev.TrainingChargeRejected():
            return _training(event, "training.rejected", "payment_failed", reason=event.reason)
        case ev.TrainingCancelled():
            return _training(
                event, "training.cancelled", "cancelled",
                steps_run=event.steps_run, total_steps=event.total_steps,
            )  # fmt: skip
        case ev.ImageGenerated():
            return _generation(
                event, "generation.completed", "completed",
                model_id=event.model_id, images=len(event.images), withheld=len(event.withheld),
            )  # fmt: skip
        case ev.GenerationFailed():
            return _generation(event, "generation.failed", "failed", reason=event.reason)
        case ev.CreditsDebitRejected():
            return _generation(event, "generation.failed", "payment_failed", reason=event.reason)
        case ev.ModelDeleted():
            data = {"model_id": event.model_id, "keyword": event.keyword}
            return Announcement("model.deleted", data | {"status": "deleted"}, "/v1/models")
    return None


def _training(event, type_: str, status: str, **details) -> Announcement:
    data = {"training_id": event.training_id, "status": status, **details}
    return Announcement(type_, data, f"/v1/trainings/{event.training_id}")


def _generation(event, type_: str, status: str, **details) -> Announcement:
    data = {"generation_id": event.generation_id, "status": status, **details}
    return Announcement(type_, data, f"/v1/generations/{event.generation_id}")
