"""`make run`: bring up the embedded default — servers, buckets, streams, five services.

Every server whose URL is already in the environment (NATS_URL, MONGO_URL, S3_ENDPOINT) is
used as it is and not started, so the same command runs against real MongoDB, MinIO or a
NATS cluster. Data lives under AITRAIN_DATA_DIR (default ./.data) and survives a restart.
Ctrl-C stops the services first, then the servers.
"""

import asyncio
import os
import secrets
import signal
import sys
import time
from pathlib import Path

import httpx
import nats

from aitrain_local import servers
from aitrain_local.process import ChildProcess
from contracts.bus import Topology, declare_streams

SERVICES = ("dataset", "billing", "trainer", "inference", "gateway")
READY_TIMEOUT_S = 60.0


class Platform:
    def __init__(self, env: dict[str, str]):
        self.env = env
        self.data_dir = Path(env.get("AITRAIN_DATA_DIR", ".data")).resolve()
        self.logs = self.data_dir / "logs"
        self.servers: list[ChildProcess] = []
        self.services: dict[str, ChildProcess] = {}
        self.service_env: dict[str, str] = {}

    def start_servers(self) -> None:
        """Start each server not given by URL, wait until it serves, then declare streams."""
        nats_url = self.env.get("NATS_URL") or self._start_nats()
        mongo_url = self.env.get("MONGO_URL") or self._start_mongo()
        creds = servers.S3Credentials(
            self.env.get("S3_ACCESS_KEY") or "aitrain",
            # The embedded S3 server takes its keys from its environment on every start,
            # so a fresh secret per run loses nothing and leaves no default password.
            self.env.get("S3_SECRET_KEY") or secrets.token_urlsafe(24),
        )
        bucket = self.env.get("S3_BUCKET", "aitrain")
        s3_endpoint = self.env.get("S3_ENDPOINT") or self._start_s3(creds, bucket)
        servers.s3_ready(servers.s3_client(s3_endpoint, creds), bucket)
        prefix = self.env.get("AITRAIN_BUS_PREFIX", "aitrain")
        replicas = int(self.env.get("AITRAIN_STREAM_REPLICAS", "1"))
        asyncio.run(_declare_streams(nats_url, Topology(prefix=prefix, replicas=replicas)))
        self.service_env = {
            "NATS_URL": nats_url,
            "MONGO_URL": mongo_url,
            "S3_ENDPOINT": s3_endpoint,
            "S3_ACCESS_KEY": creds.access_key,
            "S3_SECRET_KEY": creds.secret_key,
            "S3_BUCKET": bucket,
            "AITRAIN_BUS_PREFIX": prefix,
            "AITRAIN_STREAM_REPLICAS": str(replicas),
        }

    def _start_nats(self) -> str:
        port = int(self.env.get("AITRAIN_NATS_PORT", "4222"))
        url = f"nats://127.0.0.1:{port}"
        server = servers.nats_server(self.data_dir, port, self.logs)
        self._start(server, lambda: servers.nats_ready(url))
        return url

    def _start_mongo(self) -> str:
        port = int(self.env.get("AITRAIN_MONGO_PORT", "27017"))
        url = f"mongodb://127.0.0.1:{port}"
        self._start(
            servers.mongo_server(self.data_dir, port, self.logs), lambda: servers.mongo_ready(url)
        )
        return url

    def _start_s3(self, creds: servers.S3Credentials, bucket: str) -> str:
        port = int(self.env.get("AITRAIN_S3_PORT", "8333"))
        endpoint = f"http://127.0.0.1:{port}"
        client = servers.s3_client(endpoint, creds)
        server = servers.s3_server(self.data_dir, port, self.logs, creds)
        self._start(server, lambda: servers.s3_ready(client, bucket))
        return endpoint

    def _start(self, server: ChildProcess, probe) -> None:
        print(f"starting {server.name} (log: {server.log_path})", flush=True)
        server.start()
        self.servers.append(server)
        server.wait_ready(probe, READY_TIMEOUT_S)

    def start_services(self) -> None:
        for name in SERVICES:
            service = ChildProcess(
                name, [sys.executable, "-m", name], self.logs / f"{name}.log", self.service_env
            )
            service.start()
            self.services[name] = service

    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.env.get('GATEWAY_PORT', '8080')}"

    def wait_healthy(self) -> dict:
        def healthy() -> bool:
            return httpx.get(f"{self.gateway_url()}/healthz", timeout=2).status_code == 200

        self.services["gateway"].wait_ready(healthy, READY_TIMEOUT_S)
        return httpx.get(f"{self.gateway_url()}/healthz", timeout=2).json()

    def supervise(self) -> None:
        """Restart a service that dies (a crashed job is redelivered to its new process)."""
        while True:
            for server in self.servers:
                if not server.alive():
                    raise RuntimeError(f"{server.name} server died; see {server.log_path}")
            for service in self.services.values():
                if not service.alive():
                    print(
                        f"{service.name} exited; restarting (log: {service.log_path})", flush=True
                    )
                    service.start()
            time.sleep(0.5)

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()
        for server in reversed(self.servers):
            server.stop()


async def _declare_streams(url: str, topology: Topology) -> None:
    nc = await nats.connect(url)
    try:
        await declare_streams(nc.jetstream(), topology)
    finally:
        await nc.close()


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def main() -> None:
    # Ctrl-C and `kill` stop alike, even where the shell started us with SIGINT ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    platform = Platform(dict(os.environ))
    try:
        platform.start_servers()
        platform.start_services()
        health = platform.wait_healthy()
        print(f"aitrain is up: {platform.gateway_url()}  (logs: {platform.logs})", flush=True)
        print(f"health: {health}", flush=True)
        platform.supervise()
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping aitrain...", flush=True)
        platform.stop()
        print("stopped.", flush=True)


if __name__ == "__main__":
    main()
