"""Where a training or a generation stands, as the user sees it."""

from enum import StrEnum


class TrainingStatus(StrEnum):
    VALIDATING = "validating"
    REJECTED = "rejected"
    AWAITING_PAYMENT = "awaiting_payment"
    PAYMENT_FAILED = "payment_failed"
    QUEUED = "queued"
    TRAINING = "training"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def ended(self) -> bool:
        return self in _TRAINING_ENDED


_TRAINING_ENDED = frozenset(
    (
        TrainingStatus.COMPLETED,
        TrainingStatus.FAILED,
        TrainingStatus.REJECTED,
        TrainingStatus.PAYMENT_FAILED,
        TrainingStatus.CANCELLED,
    )
)
CANCELLING = "cancelling"
"""Shown (never stored) while a training its user cancelled has not stopped yet."""


class GenerationStatus(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    PAYMENT_FAILED = "payment_failed"
    GENERATING = "generating"
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def ended(self) -> bool:
        return self in _GENERATION_ENDED


_GENERATION_ENDED = frozenset(
    (GenerationStatus.COMPLETED, GenerationStatus.FAILED, GenerationStatus.PAYMENT_FAILED)
)
