"""Thin wiring: which events dataset consumes and which it produces."""

from contracts.bus import EventBus
from contracts.events import DatasetRejected, DatasetUploaded, DatasetValidated
from contracts.queries.dataset import CheckQuery
from dataset.dry_runs import DryRuns
from dataset.handlers import DatasetHandlers


def register(bus: EventBus, handlers: DatasetHandlers) -> None:
    bus.produces(DatasetValidated, DatasetRejected)
    bus.subscribe(DatasetUploaded, "dataset-uploaded")(handlers.on_dataset_uploaded)
    bus.answers("check", CheckQuery)(DryRuns(handlers).check)
