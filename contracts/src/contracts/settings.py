"""The environment variables every service reads: one name per endpoint, platform-wide.

Deploy manifests (deploy/) and the embedded launcher set exactly these, so pointing a
service at real MongoDB, MinIO or a NATS cluster is a change of environment, not of code.
`deployment_needs()` names the ones a deployment must set; a test holds deploy/ to it.
"""

import os
from typing import ClassVar

from pydantic_settings import BaseSettings, SettingsConfigDict

from contracts.bases import Catalog, catalog_of
from contracts.bus.topology import Topology
from contracts.sampling import Sampling


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")
    may_stay_unset: ClassVar[frozenset[str]] = frozenset({"aitrain_instance"})
    """Fields with an empty default that a deployment may leave so (each class says why):
    the instance name only labels log lines."""

    nats_url: str = "nats://127.0.0.1:4222"
    """NATS_URL: one URL or several, comma-separated (a cluster)."""
    nats_user: str = ""
    """NATS_USER: this service's user on the bus (`make run` makes one per service); empty:
    connect without one (a server without authorization)."""
    nats_password: str = ""
    """NATS_PASSWORD: that user's password."""
    aitrain_bus_prefix: str = "aitrain"
    """AITRAIN_BUS_PREFIX: first token of every subject; streams are named after it."""
    aitrain_stream_replicas: int = 1
    """AITRAIN_STREAM_REPLICAS: 3 on a production NATS cluster."""
    mongo_url: str = "mongodb://127.0.0.1:27017"
    """MONGO_URL: MongoDB connection string."""
    aitrain_db_prefix: str = "aitrain"
    """AITRAIN_DB_PREFIX: each service uses the database `<prefix>_<service>`."""
    log_level: str = "INFO"
    aitrain_instance: str = ""
    """AITRAIN_INSTANCE: which process of the service this is (`make run` names replicas
    trainer-1, trainer-2, ...); every log line carries it when set."""
    metrics_port: int = 0
    """METRICS_PORT: the service serves Prometheus metrics and /healthz (for probes) on this
    port; 0: none."""

    @classmethod
    def deployment_needs(cls) -> set[str]:
        """The variables a deployment must set: every field whose default suits only the
        embedded default (empty, or a loopback address), less those that may stay unset.
        Field names are the variables' names (no prefix)."""
        kept = set().union(*(getattr(k, "may_stay_unset", ()) for k in cls.__mro__))
        return {
            name.upper()
            for name, field in cls.model_fields.items()
            if name not in kept and _local_only(field.default)
        }

    def nats_credentials(self) -> dict[str, str]:
        """Keyword arguments of `connect_bus` (nothing when no user is set)."""
        return {"username": self.nats_user, "password": self.nats_password}

    def topology(self) -> Topology:
        return Topology(prefix=self.aitrain_bus_prefix, replicas=self.aitrain_stream_replicas)

    def database(self, service: str) -> str:
        return f"{self.aitrain_db_prefix}_{service}"


class StorageSettings(ServiceSettings):
    """For services that keep objects (images, weights) in S3-compatible storage."""

    may_stay_unset: ClassVar[frozenset[str]] = frozenset({"aitrain_bases"})
    """Without a catalog a deployment serves BASE_MODEL as its one base (contracts.bases)."""

    aitrain_bases: str = ""
    """AITRAIN_BASES: the base models this deployment serves, as JSON (contracts.bases);
    every service that reads it must be given the same value."""

    s3_endpoint: str = "http://127.0.0.1:8333"
    """S3_ENDPOINT: https:// turns TLS on (MinIO or S3 in production)."""
    s3_access_key: str = "aitrain"
    s3_secret_key: str = ""
    s3_bucket: str = "aitrain"
    s3_region: str | None = None

    def catalog(self) -> Catalog:
        return catalog_of(self.aitrain_bases)

    def minio_kwargs(self) -> dict:
        """Arguments for `minio.Minio(...)`, which wants a host rather than a URL."""
        if not self.s3_secret_key:
            raise ValueError("S3_SECRET_KEY is not set: the object store needs credentials")
        scheme, _, host = self.s3_endpoint.rpartition("://")
        return {
            "endpoint": host,
            "access_key": self.s3_access_key,
            "secret_key": self.s3_secret_key,
            "secure": scheme == "https",
            "region": self.s3_region,
        }


class ModelSettings(StorageSettings):
    """For services that run the text-to-image model (trainer, inference)."""

    base_model: str = ""
    """BASE_MODEL: a diffusers model id or local path, the one base of a deployment without
    AITRAIN_BASES; `make run` sets the committed small model (basemodel/weights/aitrain-tiny-sd)."""
    aitrain_device: str = "auto"
    """AITRAIN_DEVICE: auto (cuda when there is a GPU), cuda, cuda:1 or cpu."""
    sampling_scheduler: str = Sampling.scheduler
    """SAMPLING_SCHEDULER: the diffusers scheduler that generations and previews use."""
    sampling_steps: int = Sampling.steps
    """SAMPLING_STEPS: denoising steps per image (generations and training previews)."""
    sampling_guidance: float = Sampling.guidance
    """SAMPLING_GUIDANCE: classifier-free guidance scale (4 suits the embedded model;
    SD-1.5 usually wants about 7.5)."""
    torch_threads: int = 0
    """TORCH_THREADS: CPU threads for torch; 0: every core this process may run on. Two
    torch services on one machine should split the cores (`make run` does), or their
    OpenMP threads fight and both crawl."""

    def catalog(self) -> Catalog:
        return catalog_of(self.aitrain_bases, self.base_model)

    def sampling(self) -> Sampling:
        return Sampling(self.sampling_scheduler, self.sampling_steps, self.sampling_guidance)

    def cpu_threads(self) -> int:
        return self.torch_threads or len(os.sched_getaffinity(0))


def _local_only(default) -> bool:
    return default == "" or (isinstance(default, str) and "127.0.0.1" in default)
