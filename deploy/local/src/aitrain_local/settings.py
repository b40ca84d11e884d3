"""What `make run` reads: the services' own settings classes (so every default is written
once, where the service defines it) plus the launcher's ports and data folder."""

from pathlib import Path

from contracts.settings import ModelSettings
from gateway.config import Settings as GatewaySettings


class LaunchSettings(GatewaySettings, ModelSettings):
    aitrain_data_dir: Path = Path(".data")
    """AITRAIN_DATA_DIR: where the embedded servers keep their data, logs and tokens."""
    aitrain_nats_port: int = 4222
    """AITRAIN_NATS_PORT: the embedded NATS server's port (when NATS_URL is not given)."""
    aitrain_mongo_port: int = 27017
    """AITRAIN_MONGO_PORT: the embedded MongoDB protocol server's (when MONGO_URL is not)."""
    aitrain_s3_port: int = 8333
    """AITRAIN_S3_PORT: the embedded S3 server's (when S3_ENDPOINT is not given)."""

    @classmethod
    def of(cls, env: dict[str, str]) -> "LaunchSettings":
        known = {k.lower(): v for k, v in env.items() if k.lower() in cls.model_fields}
        return cls(**known)

    def given(self, field: str) -> bool:
        """Whether the environment set `field` (e.g. a server to use instead of starting one)."""
        return field in self.model_fields_set and bool(getattr(self, field))
