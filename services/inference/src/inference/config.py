from contracts.settings import StorageSettings

SERVICE = "inference"


class Settings(StorageSettings):
    """Inference reads the shared endpoints and object storage (see contracts.settings)."""
