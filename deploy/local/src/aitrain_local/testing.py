"""pytest fixtures: the real embedded servers on free loopback ports (never the dev ports).

Servers start once per test session; each test isolates itself with its own bus prefix
(so its own streams and subjects), its own database prefix and its own object-key prefix.
Loaded by the repository's root conftest.py.
"""

import asyncio
import os
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from aitrain_basemodel import COMMITTED_MODEL
from aitrain_local import bus_users, servers
from aitrain_local.process import ChildProcess, free_port
from contracts.bus import ConsumerDefaults, Topology
from contracts.bus.bootstrap import bootstrap_at
from gateway.adapters.sealing import new_key

READY_TIMEOUT_S = 60.0


@dataclass
class Endpoints:
    nats_url: str
    mongo_url: str
    s3_endpoint: str
    s3: servers.S3Credentials
    bucket: str


class RestartableNats:
    """A NATS server of a test's own, which the test may stop and start again."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self.process: ChildProcess | None = None

    def start(self) -> None:
        self.process = servers.nats_server(self.data_dir, self.port, self.data_dir / "logs")
        self.process.start()
        self.process.wait_ready(lambda: servers.nats_ready(self.url), READY_TIMEOUT_S)

    def stop(self) -> None:
        if self.process:
            self.process.stop()


@contextmanager
def secured_nats(data: Path, topology: Topology) -> Iterator[tuple[str, dict[str, str]]]:
    """A NATS server of its own with the users and permissions `make run` gives it: yields
    its URL and each user's password."""
    users = bus_users.passwords(data)
    config = bus_users.server_config(data, topology, users)
    port = free_port()
    url = f"nats://127.0.0.1:{port}"
    server = servers.nats_server(data, port, data / "logs", config)
    server.start()
    try:
        admin = users["admin"]
        server.wait_ready(lambda: servers.nats_ready(url, user="admin", password=admin), 30)
        yield url, users
    finally:
        server.stop()


@pytest.fixture(scope="session")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoints]:
    """NATS, MongoDB and S3 for the session. With MONGO_URL set, the MongoDB there instead of
    the embedded one (each test still keeps to databases of its own prefix), so the port
    suites run against a real MongoDB wherever there is one."""
    data = tmp_path_factory.mktemp("embedded")
    logs = data / "logs"
    creds = servers.S3Credentials("aitrain-test", secrets.token_urlsafe(16))
    bucket = "aitrain-test"
    ports = {name: free_port() for name in ("nats", "mongo", "s3")}
    urls = {
        "nats": f"nats://127.0.0.1:{ports['nats']}",
        "mongo": os.environ.get("MONGO_URL") or f"mongodb://127.0.0.1:{ports['mongo']}",
        "s3": f"http://127.0.0.1:{ports['s3']}",
    }
    started: list[ChildProcess] = []
    plan = [
        (servers.nats_server(data, ports["nats"], logs), lambda: servers.nats_ready(urls["nats"])),
        (
            servers.s3_server(data, ports["s3"], logs, creds),
            lambda: servers.s3_ready(servers.s3_client(urls["s3"], creds), bucket),
        ),
    ]
    if not os.environ.get("MONGO_URL"):
        mongo = servers.mongo_server(data, ports["mongo"], logs)
        plan.append((mongo, lambda: servers.mongo_ready(urls["mongo"])))
    try:
        for process, _ in plan:  # start all, then wait: they boot in parallel
            process.start()
            started.append(process)
        for process, probe in plan:
            process.wait_ready(probe, READY_TIMEOUT_S)
        servers.mongo_ready(urls["mongo"])  # raises when a MONGO_URL given does not answer
        yield Endpoints(urls["nats"], urls["mongo"], urls["s3"], creds, bucket)
    finally:
        for process in reversed(started):
            process.stop()


@pytest.fixture
def topology(embedded: Endpoints) -> Topology:
    """A bus of the test's own: fresh streams and subjects, declared on the embedded NATS
    server as the operator's bootstrap would (services only check them); quick retries."""
    fast = ConsumerDefaults(ack_wait_s=5.0, max_attempts=3, retry_delays_s=(0.2,))
    topology = Topology(prefix=f"t{uuid.uuid4().hex[:12]}", consumers=fast)
    asyncio.run(bootstrap_at(embedded.nats_url, topology))
    return topology


@pytest.fixture
def service_env(embedded: Endpoints, topology: Topology) -> dict[str, str]:
    """Environment a service process (or Settings) needs to run in this test's isolation."""
    return {
        "NATS_URL": embedded.nats_url,
        "MONGO_URL": embedded.mongo_url,
        "S3_ENDPOINT": embedded.s3_endpoint,
        "S3_ACCESS_KEY": embedded.s3.access_key,
        "S3_SECRET_KEY": embedded.s3.secret_key,
        "S3_BUCKET": embedded.bucket,
        "AITRAIN_BUS_PREFIX": topology.prefix,
        "AITRAIN_DB_PREFIX": topology.prefix,
        "BASE_MODEL": str(COMMITTED_MODEL),
        "AITRAIN_SECRET_KEYS": new_key("test"),
        # tests poll as fast as they can, which the rate limits are there to refuse; the
        # limits have tests of their own, and the e2e platform runs with them on
        "RATE_LIMIT_SCALE": "0",
    }


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[RestartableNats]:
    server = RestartableNats(tmp_path / "nats-own")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tiny_bases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A tiny random model of each base family in its real folder layout, written once per
    test session (aitrain_basemodel.bases): SD 1.5's is the committed small model."""
    from aitrain_basemodel.bases import write_tiny

    folder = tmp_path_factory.mktemp("tiny-bases")
    return {"sd": COMMITTED_MODEL} | {
        family: write_tiny(family, folder / family) for family in ("sdxl", "flux")
    }
