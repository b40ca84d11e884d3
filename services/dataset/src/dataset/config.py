from contracts.settings import StorageSettings

SERVICE = "dataset"


class Settings(StorageSettings):
    """Dataset reads the shared endpoints and object storage (see contracts.settings)."""
