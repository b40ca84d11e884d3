"""The user's views, folded from the facts other services publish (one ordered consumer,
`gateway-views`; the rules are in domain/facts.py).

A training that ends without a model frees its keyword; one that completes adds a model; a
deleted model's training is marked and its keyword freed (again: the request did it first).
Each changed training or generation is told to every replica (its live streams wake up).
"""

from dataclasses import dataclass

import structlog

from contracts.bus import Delivery
from contracts.envelope import Event
from contracts.events import ModelDeleted, TrainingCompleted
from gateway.app.models import forget_model
from gateway.domain import facts
from gateway.ports import Generations, Keywords, Models, Trainings, ViewChanges

log = structlog.get_logger(__name__)


@dataclass
class Views:
    trainings: Trainings
    models: Models
    generations: Generations
    keywords: Keywords
    changes: ViewChanges

    async def fold(self, event: Event, delivery: Delivery | None = None) -> None:
        """Fold a fact into the user's views."""
        if isinstance(event, ModelDeleted):
            await forget_model(self.trainings, self.keywords, self.models, event)
        elif isinstance(event, facts.GENERATION_FACTS):
            await self._fold_generation(event)
        else:
            await self._fold_training(event)

    async def _fold_generation(self, event: Event) -> None:
        if (
            await self.generations.apply(event.generation_id, facts.generation_change(event))
            is None
        ):
            log.info(
                "gateway.generation_fact_not_applied",
                generation_id=event.generation_id,
                event_type=event.event_type,
            )
            return
        await self.changes.changed(event.generation_id)

    async def _fold_training(self, event: Event) -> None:
        change = facts.training_change(event)
        if change is None:
            log.info("gateway.fact_not_kept", event_type=event.event_type)
            return
        if isinstance(event, TrainingCompleted):
            await self.models.add(await self._model_of(event))
        training = await self.trainings.apply(event.training_id, change)
        if training is None:
            log.warning("gateway.unknown_training", training_id=event.training_id)
            return
        if isinstance(event, facts.ENDS_WITHOUT_MODEL):
            await self.keywords.release(training.account_id, training.keyword, training.training_id)
        await self.changes.changed(training.training_id)

    async def _model_of(self, event: TrainingCompleted):
        """A retraining's model is the next version of the model it retrained (numbered here:
        this consumer folds one fact at a time, and a redelivery's add changes nothing)."""
        training = await self.trainings.find(event.training_id)
        if training is None or training.version_of is None:
            return facts.model_of(event)
        version = await self.models.last_version(training.version_of) + 1
        return facts.model_of(event, training.version_of, version)
