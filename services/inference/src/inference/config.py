from contracts.settings import ModelSettings

SERVICE = "inference"


class Settings(ModelSettings):
    """Inference reads the shared endpoints, object storage, BASE_MODEL, SAMPLING_* and
    TORCH_THREADS (contracts.settings)."""

    inference_adapters: int = 10
    """INFERENCE_ADAPTERS: trained models kept loaded in the warm pipeline (LRU)."""
