"""Bus conventions: topology, declaration, publishing and safe consuming."""

from contracts.bus.app import exported, service_app
from contracts.bus.bootstrap import bootstrap
from contracts.bus.bus import EventBus
from contracts.bus.connect import connect_bus
from contracts.bus.dead_letter import DeadLetter
from contracts.bus.dead_letters import DeadLetters
from contracts.bus.declare import TopologyMismatch
from contracts.bus.delivery import Delivery
from contracts.bus.errors import Handover, PermanentError
from contracts.bus.queries import QueryFailed
from contracts.bus.replay import NobodyReplays, ReplayAnswer
from contracts.bus.topology import ConsumerDefaults, Topology

__all__ = [
    "ConsumerDefaults",
    "DeadLetter",
    "DeadLetters",
    "Delivery",
    "EventBus",
    "Handover",
    "NobodyReplays",
    "PermanentError",
    "QueryFailed",
    "ReplayAnswer",
    "Topology",
    "TopologyMismatch",
    "bootstrap",
    "connect_bus",
    "exported",
    "service_app",
]
