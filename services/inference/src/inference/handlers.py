"""Inference use cases.

Generation arrives with the generation issue; the foundation only wires it, so for now
each handler records that it received its event.
"""

import structlog

from contracts.bus import Delivery
from contracts.events import CreditsDebited, ModelDeleted

log = structlog.get_logger(__name__)


class InferenceHandlers:
    async def on_credits_debited(self, event: CreditsDebited, delivery: Delivery) -> None:
        """Generate the paid-for images; publish them or the failure."""
        log.info("inference.received", generation_id=event.generation_id)

    async def on_model_deleted(self, event: ModelDeleted, delivery: Delivery) -> None:
        """Evict the deleted model from the adapter cache."""
        log.info("inference.received", model_id=event.model_id)
