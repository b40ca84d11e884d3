"""Read models (trainings, models, generations views) built from events.

The views arrive with the issues that add their endpoints; the foundation wires every
visible fact to the projector, which for now records that it arrived.
"""

import structlog

from contracts.bus import Delivery
from contracts.envelope import Event

log = structlog.get_logger(__name__)


class ReadModelHandlers:
    async def project(self, event: Event, delivery: Delivery) -> None:
        """Fold a fact into the user's views."""
        log.info("gateway.received", event_type=event.event_type)
