"""Model context: a user deleted a trained model (no refund)."""

from typing import ClassVar

from contracts.envelope import Event


class ModelDeleted(Event):
    """Trainer and inference drop the weights and caches of this model (gateway)."""

    context: ClassVar[str] = "model"
    name: ClassVar[str] = "deleted"
    model_id: str
    training_id: str
    keyword: str
    weights_key: str
