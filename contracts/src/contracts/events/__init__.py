"""The event catalogue: one module per bounded context."""

from contracts.envelope import Event
from contracts.events.account import CreditsPurchased, SubscriptionRequested
from contracts.events.billing import (
    AccountChanged,
    CreditsDebited,
    CreditsDebitRejected,
    CreditsRefunded,
    TrainingCharged,
    TrainingChargeRejected,
    TrainingRefunded,
)
from contracts.events.dataset import DatasetRejected, DatasetUploaded, DatasetValidated
from contracts.events.generation import GenerationFailed, GenerationRequested, ImageGenerated
from contracts.events.models import ModelDeleted
from contracts.events.training import (
    TrainingCancelled,
    TrainingCancelRequested,
    TrainingCompleted,
    TrainingFailed,
    TrainingProgress,
)

ALL_EVENTS: tuple[type[Event], ...] = (
    DatasetUploaded,
    DatasetValidated,
    DatasetRejected,
    TrainingCharged,
    TrainingChargeRejected,
    TrainingProgress,
    TrainingCompleted,
    TrainingFailed,
    TrainingCancelRequested,
    TrainingCancelled,
    TrainingRefunded,
    GenerationRequested,
    CreditsDebited,
    CreditsDebitRejected,
    ImageGenerated,
    GenerationFailed,
    CreditsRefunded,
    ModelDeleted,
    CreditsPurchased,
    SubscriptionRequested,
    AccountChanged,
)

__all__ = [cls.__name__ for cls in ALL_EVENTS] + ["ALL_EVENTS"]
