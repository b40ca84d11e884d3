"""The three embedded servers, each started from its pip wheel and probed for readiness.

Shared by the launcher (`make run`) and the test fixtures, so tests run the very servers
users run. Every listener binds to loopback.
"""

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nats
from minio import Minio
from pymongo import MongoClient

from aitrain_local.process import ChildProcess, binary, free_port, port_open


@dataclass
class S3Credentials:
    access_key: str
    secret_key: str


@dataclass(frozen=True)
class ClusterNode:
    """One node of a JetStream cluster on loopback: its name, its own route port, and the
    route ports of all nodes (itself included, which NATS ignores)."""

    name: str
    route_port: int
    route_ports: tuple[int, ...]
    cluster: str = "aitrain"

    def argv(self) -> list[str]:
        routes = ",".join(f"nats://127.0.0.1:{port}" for port in self.route_ports)
        return [
            "--name", self.name,
            "--cluster_name", self.cluster,
            "--cluster", f"nats://127.0.0.1:{self.route_port}",
            "--routes", routes,
        ]  # fmt: skip


def nats_server(
    data_dir: Path,
    port: int,
    logs: Path,
    config: Path | None = None,
    node: ClusterNode | None = None,
) -> ChildProcess:
    """`config`: a configuration file (users and permissions: aitrain_local.bus_users);
    `node`: this server is one node of a cluster (its own store, log and name)."""
    name = node.name if node else "nats"
    argv = [binary("nats-server"), "-js", "-sd", str(data_dir / name), "-a", "127.0.0.1"]
    argv += ["-c", str(config)] if config else []
    argv += node.argv() if node else []
    return ChildProcess(name, [*argv, "-p", str(port)], logs / f"{name}.log")


def nats_cluster(
    data_dir: Path, ports: list[int], logs: Path, config: Path | None = None
) -> list[ChildProcess]:
    """A JetStream cluster of `len(ports)` nodes named nats-1, nats-2, ... on loopback.
    Route ports are free ones picked now and kept by each node's command line, so a node
    that is restarted rejoins on the same port."""
    route_ports = tuple(free_port() for _ in ports)
    return [
        nats_server(data_dir, port, logs, config, ClusterNode(f"nats-{i}", route, route_ports))
        for i, (port, route) in enumerate(zip(ports, route_ports, strict=True), start=1)
    ]


def nats_ready(url: str, **credentials: str) -> bool:
    async def probe() -> bool:
        nc = await nats.connect(
            url.split(","),
            connect_timeout=1,
            max_reconnect_attempts=0,
            error_cb=_ignore,
            allow_reconnect=False,
            **credentials,
        )
        try:
            await nc.jetstream().account_info()
            return True
        finally:
            await nc.close()

    # A thread of its own, so the probe also works when called from inside an event loop.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, probe()).result()


async def _ignore(_: Exception) -> None:
    """Refused connections are expected while the server starts; the probe just says no."""


def mongo_server(data_dir: Path, port: int, logs: Path) -> ChildProcess:
    argv = [
        binary("nx-27017"),
        "--data-dir", str(data_dir / "mongo"),
        "--host", "127.0.0.1",
        "-p", str(port),
        "--log-file", str(logs / "mongo-server.log"),
        "--pid-file", str(data_dir / "mongo.pid"),
    ]  # fmt: skip
    (data_dir / "mongo").mkdir(parents=True, exist_ok=True)
    return ChildProcess("mongo", argv, logs / "mongo.log")


def mongo_ready(url: str) -> bool:
    with MongoClient(url, serverSelectionTimeoutMS=1000) as client:
        return client.admin.command("ping").get("ok") == 1


def s3_server(data_dir: Path, port: int, logs: Path, creds: S3Credentials) -> ChildProcess:
    """SeaweedFS in one process; every one of its listeners gets a free loopback port."""
    admin = _free_port_pair(10000)  # its workers dial the admin gRPC port at admin + 10000
    ports = {
        "master.port": free_port(),
        "master.port.grpc": free_port(),
        "volume.port": free_port(),
        "volume.port.grpc": free_port(),
        "filer.port": free_port(),
        "filer.port.grpc": free_port(),
        "s3.port": port,
        "s3.port.grpc": free_port(),
        "admin.port": admin,
        "s3.port.iceberg": 0,
        "s3.port.lance": 0,
    }
    (data_dir / "s3").mkdir(parents=True, exist_ok=True)
    argv = [
        binary("weed"), "mini",
        f"-dir={data_dir / 's3'}",
        "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        "-webdav=false", "-admin.ui=false",
    ] + [f"-{flag}={value}" for flag, value in ports.items()]  # fmt: skip
    env = {
        "AWS_ACCESS_KEY_ID": creds.access_key,
        "AWS_SECRET_ACCESS_KEY": creds.secret_key,
        # Go's runtime lets the heap double before it collects: scripts/measure_s3_memory.py
        # saw RSS grow 5 MiB per 1000 writes without this, 2 MiB with it (objects held or not)
        "GOMEMLIMIT": os.environ.get("GOMEMLIMIT", "256MiB"),
    }
    return ChildProcess("s3", argv, logs / "s3.log", env=env)


def s3_client(endpoint: str, creds: S3Credentials) -> Minio:
    scheme, _, host = endpoint.rpartition("://")
    secure = scheme == "https"
    return Minio(host, access_key=creds.access_key, secret_key=creds.secret_key, secure=secure)


def s3_ready(client: Minio, bucket: str) -> bool:
    """Ready means it serves authenticated requests; the bucket is created on the way."""
    if not client.bucket_exists(bucket):
        client.make_bucket(bucket)
    return True


def _free_port_pair(offset: int) -> int:
    while True:
        port = free_port()
        if port + offset < 65536 and not port_open(port + offset):
            return port
