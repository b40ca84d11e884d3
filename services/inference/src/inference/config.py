from pydantic import Field

from contracts.events.common import MAX_MODELS
from contracts.settings import ModelSettings

SERVICE = "inference"


class Settings(ModelSettings):
    """Inference reads the shared endpoints, object storage, BASE_MODEL, SAMPLING_* and
    TORCH_THREADS (contracts.settings)."""

    inference_adapters: int = Field(default=10, ge=MAX_MODELS)
    """INFERENCE_ADAPTERS: trained models kept loaded in the warm pipeline (LRU); at least
    the most one generation uses together."""
