"""Thin wiring: which events inference consumes and which it produces."""

from contracts.bus import EventBus
from contracts.events import (
    CreditsDebited,
    GenerationFailed,
    ImageGenerated,
    ModelDeleted,
)
from inference.handlers import InferenceHandlers


def register(bus: EventBus, handlers: InferenceHandlers) -> None:
    bus.produces(ImageGenerated, GenerationFailed)
    bus.subscribe(CreditsDebited, "credits-debited")(handlers.on_credits_debited)
    bus.subscribe(ModelDeleted, "model-deleted")(handlers.on_model_deleted)
