"""Thin wiring: which events dataset consumes and which it produces."""

from contracts.bus import EventBus
from contracts.events import DatasetRejected, DatasetUploaded, DatasetValidated
from dataset.handlers import DatasetHandlers


def register(bus: EventBus, handlers: DatasetHandlers) -> None:
    bus.produces(DatasetValidated, DatasetRejected)
    bus.subscribe(DatasetUploaded, "dataset-uploaded")(handlers.on_dataset_uploaded)
