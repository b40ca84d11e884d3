"""Billing use cases.

The ledger rules (charge, debit, refund — ARCHITECTURE §5) arrive with the billing issue;
the foundation only wires them, so for now each handler records that it received its event.
ModelDeleted is deliberately not consumed: deleting a model refunds nothing.
"""

import structlog

from contracts.bus import Delivery
from contracts.events import (
    DatasetValidated,
    GenerationFailed,
    GenerationRequested,
    TrainingFailed,
)

log = structlog.get_logger(__name__)


class BillingHandlers:
    async def on_dataset_validated(self, event: DatasetValidated, delivery: Delivery) -> None:
        """Charge the training: the free training if there is one, else credits."""
        log.info("billing.received", training_id=event.training_id)

    async def on_generation_requested(self, event: GenerationRequested, delivery: Delivery):
        """Debit 5 credits per requested image."""
        log.info("billing.received", generation_id=event.generation_id)

    async def on_training_failed(self, event: TrainingFailed, delivery: Delivery) -> None:
        """Refund the failed training exactly once."""
        log.info("billing.received", training_id=event.training_id)

    async def on_generation_failed(self, event: GenerationFailed, delivery: Delivery) -> None:
        """Refund the failed generation exactly once."""
        log.info("billing.received", generation_id=event.generation_id)
