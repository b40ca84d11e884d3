"""Model context: a user deleted a trained model (no refund)."""

from typing import ClassVar

from contracts.envelope import Event


class ModelDeleted(Event):
    """Trainer and inference drop the weights and caches of this model (gateway)."""

    context: ClassVar[str] = "model"
    name: ClassVar[str] = "deleted"
    model_id: str
    """The deleted model."""
    training_id: str
    """The training that made it."""
    keyword: str
    """Its keyword, free to use again."""
    weights_key: str
    """Object key of its LoRA safetensors, to delete."""
