from contracts.settings import StorageSettings

SERVICE = "trainer"


class Settings(StorageSettings):
    """Trainer reads the shared endpoints and object storage (see contracts.settings)."""
