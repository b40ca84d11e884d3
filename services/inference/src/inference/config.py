from contracts.settings import ModelSettings

SERVICE = "inference"


class Settings(ModelSettings):
    """Inference reads the shared endpoints, object storage and BASE_MODEL (contracts.settings)."""

    inference_adapters: int = 10
    """INFERENCE_ADAPTERS: trained models kept loaded in the warm pipeline (LRU)."""
    inference_steps: int = 20
    """INFERENCE_STEPS: denoising steps per image."""
    inference_guidance: float = 4.0
    """INFERENCE_GUIDANCE: classifier-free guidance scale (4 suits the embedded model;
    SD-1.5 usually wants about 7.5)."""
