"""What each fact another service publishes changes in the gateway's views — pure.

A training's facts arrive in order on one consumer and apply as they come. A generation's
status only moves forward: each fact names the statuses it may move from, so a late or
repeated fact never undoes a later one.
"""

from dataclasses import dataclass

from contracts import queueing
from contracts.envelope import Event
from contracts.events import (
    CreditsDebited,
    CreditsDebitRejected,
    CreditsRefunded,
    DatasetRejected,
    DatasetValidated,
    GenerationFailed,
    ImageGenerated,
    TrainingCancelled,
    TrainingCharged,
    TrainingChargeRejected,
    TrainingCompleted,
    TrainingFailed,
    TrainingProgress,
    TrainingRefunded,
)
from gateway.domain.records import Model
from gateway.domain.statuses import GenerationStatus as G
from gateway.domain.statuses import TrainingStatus as T

GENERATION_FACTS = (
    CreditsDebited,
    CreditsDebitRejected,
    ImageGenerated,
    GenerationFailed,
    CreditsRefunded,
)
ENDS_WITHOUT_MODEL = (DatasetRejected, TrainingChargeRejected, TrainingFailed, TrainingCancelled)
"""Facts after which a training will never make a model: its keyword is free again."""
UNPAID = frozenset((G.AWAITING_PAYMENT,))
RUNNING = frozenset((G.AWAITING_PAYMENT, G.GENERATING))


@dataclass(frozen=True)
class Change:
    fields: dict
    """The view's fields to set."""
    only_from: frozenset | None = None
    """Apply only while the status is one of these (None: whatever it is)."""


def training_change(event: Event) -> Change | None:
    """What an event changes in its training's view (None: not a training fact)."""
    match event:
        case DatasetRejected():
            report = event.report.model_dump(mode="json")
            return Change({"status": T.REJECTED, "reason": event.reason, "report": report})
        case DatasetValidated():
            report = event.report.model_dump(mode="json")
            return Change({"status": T.AWAITING_PAYMENT, "report": report})
        case TrainingChargeRejected():
            return Change({"status": T.PAYMENT_FAILED, "reason": event.reason})
        case TrainingCharged():
            paid = {"paid_with_free_training": event.used_free_training}
            queued = {"queue_key": queueing.queue_key(event.plan, event.occurred_at)}
            charged = {"status": T.QUEUED, "credits_charged": event.credits_charged}
            return Change(charged | paid | queued)
        case TrainingProgress():
            progress = event.model_dump(include={"step", "total_steps", "loss", "eta_seconds"})
            sample = {"sample_image_key": event.sample_image_key} if event.sample_image_key else {}
            return Change({"status": T.TRAINING, "progress": progress} | sample)
        case TrainingCompleted():
            took = {"duration_s": event.metrics.duration_s}
            return Change({"status": T.COMPLETED, "model_id": event.model_id} | took)
        case TrainingFailed():
            return Change({"status": T.FAILED, "reason": event.reason})
        case TrainingCancelled():
            steps = {"steps_run": event.steps_run, "total_steps": event.total_steps}
            stopped = f"cancelled after {event.steps_run} of {event.total_steps} steps"
            return Change({"status": T.CANCELLED, "reason": stopped} | steps)
        case TrainingRefunded():
            back = {"free_training_restored": event.free_training_restored}
            return Change({"refunded": True, "credits_refunded": event.credits_refunded} | back)
    return None


def generation_change(event: Event) -> Change:
    match event:
        case CreditsDebitRejected():
            return Change({"status": G.PAYMENT_FAILED, "reason": event.reason}, UNPAID)
        case CreditsDebited():
            return Change(
                {"status": G.GENERATING, "credits_debited": event.credits_debited}, UNPAID
            )
        case ImageGenerated():
            images = [image.model_dump(mode="json") for image in event.images]
            withheld = [image.model_dump(mode="json") for image in event.withheld]
            done = {"status": G.COMPLETED, "images": images, "duration_s": event.duration_s}
            done["withheld"] = withheld
            return Change(done, RUNNING)
        case GenerationFailed():
            return Change({"status": G.FAILED, "reason": event.reason}, RUNNING)
        case CreditsRefunded():
            return Change({"refunded": True, "credits_refunded": event.credits_refunded})
    raise TypeError(f"not a generation fact: {event.event_type}")


def model_of(event: TrainingCompleted, family_id: str | None = None, version: int = 1) -> Model:
    """The model a completed training made: a new one, or `version` of `family_id`."""
    return Model(
        model_id=event.model_id,
        family_id=family_id or event.model_id,
        version=version,
        account_id=event.account_id,
        training_id=event.training_id,
        keyword=event.keyword,
        type=event.training_type,
        weights_key=event.weights_key,
        kohya_weights_key=event.kohya_weights_key,
        thumbnail_key=event.sample_image_keys[0] if event.sample_image_keys else None,
        created_at=event.occurred_at,
        quality=event.quality.model_dump(mode="json") if event.quality else None,
        base=event.base,
    )
