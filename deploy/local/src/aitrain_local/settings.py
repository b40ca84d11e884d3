"""What `make run` reads: the services' own settings classes (so every default is written
once, where the service defines it) plus the launcher's ports and data folder."""

from pathlib import Path

from pydantic import field_validator

from contracts.bus import Topology
from contracts.settings import ModelSettings
from gateway.config import Settings as GatewaySettings


class LaunchSettings(GatewaySettings, ModelSettings):
    aitrain_data_dir: Path = Path(".data")
    """AITRAIN_DATA_DIR: where the embedded servers keep their data, logs and tokens."""
    aitrain_nats_port: int = 4222
    """AITRAIN_NATS_PORT: the embedded NATS server's port (when NATS_URL is not given)."""
    aitrain_nats_nodes: int = 1
    """AITRAIN_NATS_NODES: 3 starts the embedded NATS as a 3-node JetStream cluster on
    loopback (client ports AITRAIN_NATS_PORT and the next two) with streams replicated on
    every node, as in production."""
    aitrain_replicas: str = ""
    """AITRAIN_REPLICAS: processes per service, e.g. `trainer=2,inference=2,billing=2`
    (others run one; the gateway always one, it owns GATEWAY_PORT)."""
    aitrain_metrics_port: int = 0
    """AITRAIN_METRICS_PORT: each service process serves /metrics on its own port from this
    one up (in the order `make run` prints them; listed for Prometheus in
    <data dir>/metrics-targets.json); 0: none."""
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

    @field_validator("aitrain_nats_nodes")
    @classmethod
    def _odd_cluster(cls, nodes: int) -> int:
        if nodes < 1 or nodes % 2 == 0:
            raise ValueError("AITRAIN_NATS_NODES must be 1, 3 or 5 (a quorum needs an odd count)")
        return nodes

    def replica_counts(self, services: tuple[str, ...]) -> dict[str, int]:
        """Processes per service from AITRAIN_REPLICAS (one where it names none)."""
        counts = dict.fromkeys(services, 1)
        for item in filter(None, (part.strip() for part in self.aitrain_replicas.split(","))):
            name, _, count = item.partition("=")
            if name not in counts or not count.isdigit() or int(count) < 1:
                raise ValueError(
                    f"AITRAIN_REPLICAS: {item!r} is not <service>=<count> with a count of 1 or"
                    f" more and a service among {', '.join(services)}"
                )
            if name == "gateway" and int(count) > 1:
                raise ValueError("AITRAIN_REPLICAS: the gateway runs once (it owns GATEWAY_PORT)")
            counts[name] = int(count)
        return counts

    def topology(self) -> Topology:
        return Topology(prefix=self.aitrain_bus_prefix, replicas=self.stream_replicas())

    def stream_replicas(self) -> int:
        """AITRAIN_STREAM_REPLICAS when given, else one per embedded NATS node."""
        if "aitrain_stream_replicas" in self.model_fields_set:
            return self.aitrain_stream_replicas
        return self.aitrain_nats_nodes
