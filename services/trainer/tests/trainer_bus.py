"""Running the trainer in a test: a bus client that publishes the
trainer's input and collects what the trainer says."""

from bus_helpers import eventually

from contracts.bus import Delivery, connect_bus
from contracts.events import (
    ModelDeleted,
    TrainingCancelled,
    TrainingCancelRequested,
    TrainingCharged,
    TrainingCompleted,
    TrainingFailed,
)
from contracts.events.training import TrainingProgress
from trainer.config import Settings


class Trainer:
    """The trainer app plus a client that publishes its input and collects what it says."""

    def __init__(self, service_env):
        env = service_env | {"TRAINER_REPORT_EVERY_S": "0", "TRAINER_SAMPLE_EVERY_STEPS": "20"}
        self.settings = Settings(**{k.lower(): v for k, v in env.items()})
        self.client = connect_bus("client", self.settings.nats_url, self.settings.topology())
        self.client.produces(TrainingCharged, ModelDeleted, TrainingCancelRequested)
        self.events: list = []

        async def collect(event, delivery: Delivery) -> None:
            self.events.append(event)

        self.client.consume(
            "outcomes",
            dict.fromkeys(
                (TrainingProgress, TrainingCompleted, TrainingFailed, TrainingCancelled), collect
            ),
        )

    def of(self, kind, training_id: str) -> list:
        return [e for e in self.events if isinstance(e, kind) and e.training_id == training_id]

    def outcomes(self, training_id: str) -> list:
        ends = (TrainingCompleted, TrainingFailed, TrainingCancelled)
        return [e for kind in ends for e in self.of(kind, training_id)]

    async def outcome(self, training_id: str):
        await eventually(lambda: bool(self.outcomes(training_id)), timeout_s=300)
        [outcome] = self.outcomes(training_id)
        return outcome
