"""`make run`: bring up the embedded default — servers, buckets, streams, five services.

Every server whose URL is already in the environment (NATS_URL, MONGO_URL, S3_ENDPOINT) is
used as it is and not started, so the same command runs against real MongoDB, MinIO or a
NATS cluster. Data lives under AITRAIN_DATA_DIR (default ./.data) and survives a restart.
Ctrl-C stops the services first, then the servers.
"""

import asyncio
import json
import os
import secrets
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from aitrain_basemodel import COMMITTED_MODEL
from aitrain_local import bus_users, servers
from aitrain_local.process import ChildProcess, port_open
from aitrain_local.settings import LaunchSettings
from aitrain_local.supervisor import LaunchError, supervise
from contracts.bases import Base, catalog_of
from contracts.bus.bootstrap import bootstrap_at
from gateway.adapters.sealing import new_key

SERVICES = ("dataset", "billing", "trainer", "inference", "gateway")
TORCH_SERVICES = ("trainer", "inference")
READY_TIMEOUT_S = 60.0
DEMO_CREDITS = 100
DEMO_EMAIL = "demo@aitrain.local"
EXTERNAL_TIMEOUT_S = 15.0


def torch_threads(cores: int) -> dict[str, int]:
    """The trainer and inference split the machine's cores: each taking all of them, their
    OpenMP threads fight, and a generation during a training slowed both several times over
    (trainer README, "Sharing the CPU")."""
    trainer = max(1, (cores + 1) // 2)
    return {"trainer": trainer, "inference": max(1, cores - trainer)}


def embedded_catalog(base_model: str = "") -> str:
    """AITRAIN_BASES when none is given: the committed small model as the one base, with the
    presets tuned on it; or BASE_MODEL as the "default" base (contracts.bases)."""
    bases = catalog_of("", base_model).bases
    if not base_model:
        tiny = "aitrain tiny (64 px, CPU)"
        weights = str(COMMITTED_MODEL)
        bases = [Base(name="aitrain-tiny", label=tiny, family="sd", weights=weights,
                      presets="aitrain-tiny")]  # fmt: skip
    return json.dumps([base.model_dump(exclude_defaults=True) for base in bases])


class Platform:
    def __init__(self, env: dict[str, str]):
        self.settings = LaunchSettings.of(env)
        self.replicas = self.settings.replica_counts(SERVICES)
        self.env = env
        self.data_dir = self.settings.aitrain_data_dir.resolve()
        self.logs = self.data_dir / "logs"
        self.servers: list[ChildProcess] = []
        self.nats_nodes: list[ChildProcess] = []
        """The embedded NATS cluster's nodes (also in `servers`)."""
        self.services: dict[str, ChildProcess] = {}
        self.metrics_targets: list[dict] = []
        """Prometheus file_sd entries: each service process's metrics port and names."""
        self.service_env: dict[str, str] = {}
        self.bus_users: dict[str, str] = {}
        """Passwords of the embedded NATS server's users (none for a NATS given by URL)."""

    def start_servers(self) -> None:
        """Start each server not given by URL, wait until each serves, then declare streams."""
        settings = self.settings
        if settings.given("s3_endpoint") and not settings.s3_secret_key:
            raise LaunchError("S3_ENDPOINT is set: set S3_ACCESS_KEY and S3_SECRET_KEY for it too")
        creds = servers.S3Credentials(
            settings.s3_access_key,
            # The embedded S3 server takes its keys from its environment on every start,
            # so a fresh secret per run loses nothing and leaves no default password.
            settings.s3_secret_key or secrets.token_urlsafe(24),
        )
        bucket = settings.s3_bucket
        data, logs, auth_config = self.data_dir, self.logs, None
        if not settings.given("nats_url"):
            self.bus_users = bus_users.passwords(data)
            auth_config = bus_users.server_config(data, settings.topology(), self.bus_users)
        admin = self.bus_credentials("admin")
        if settings.aitrain_nats_nodes > 1 and not settings.given("nats_url"):
            nats_url = self._nats_cluster(auth_config, admin)
        else:
            nats_url = self._server(
                "nats_url",
                "aitrain_nats_port",
                lambda url: servers.nats_ready(url, **admin),
                lambda port: (
                    f"nats://127.0.0.1:{port}",
                    servers.nats_server(data, port, logs, auth_config),
                ),
            )
        mongo_url = self._server(
            "mongo_url",
            "aitrain_mongo_port",
            servers.mongo_ready,
            lambda port: (f"mongodb://127.0.0.1:{port}", servers.mongo_server(data, port, logs)),
        )
        s3_endpoint = self._server(
            "s3_endpoint",
            "aitrain_s3_port",
            lambda url: servers.s3_ready(servers.s3_client(url, creds), bucket),
            lambda port: (f"http://127.0.0.1:{port}", servers.s3_server(data, port, logs, creds)),
        )
        asyncio.run(bootstrap_at(nats_url, settings.topology(), **admin))
        self.service_env = {
            "NATS_URL": nats_url,
            "MONGO_URL": mongo_url,
            "S3_ENDPOINT": s3_endpoint,
            "S3_ACCESS_KEY": creds.access_key,
            "S3_SECRET_KEY": creds.secret_key,
            "S3_BUCKET": bucket,
            "AITRAIN_BUS_PREFIX": settings.aitrain_bus_prefix,
            "AITRAIN_STREAM_REPLICAS": str(settings.stream_replicas()),
            "AITRAIN_ADMIN_TOKEN": self.admin_token(),
            # the committed small model unless another diffusers id or path is asked for
            "BASE_MODEL": settings.base_model or str(COMMITTED_MODEL),
            "AITRAIN_BASES": settings.aitrain_bases or embedded_catalog(settings.base_model),
        }

    def bus_credentials(self, user: str) -> dict[str, str]:
        """A user's credentials on the embedded NATS server (nothing for a NATS given by URL)."""
        if not self.bus_users:
            return {}
        return {"user": user, "password": self.bus_users[user]}

    def admin_token(self) -> str:
        """AITRAIN_ADMIN_TOKEN, or one made on first run and kept in the data folder."""
        token = self.settings.aitrain_admin_token
        return token or self._kept("admin-token", lambda: secrets.token_urlsafe(32))

    def secret_keys(self) -> str:
        """AITRAIN_SECRET_KEYS, or a key made on first run and kept in the data folder."""
        return self.settings.aitrain_secret_keys or self._kept("secret-keys", lambda: new_key("k1"))

    def _kept(self, name: str, make: Callable[[], str]) -> str:
        """A secret made once and kept in the data folder, readable by its owner only."""
        path = self.data_dir / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(make())
        return path.read_text().strip()

    def _server(
        self,
        url_field: str,
        port_field: str,
        ready: Callable[[str], bool],
        embedded: Callable[[int], tuple[str, ChildProcess]],
    ) -> str:
        """One server's URL: the one the environment gives (checked), else one we start."""
        url_var, port_var = url_field.upper(), port_field.upper()
        if self.settings.given(url_field):
            url = getattr(self.settings, url_field)
            _wait_for_external(url_var, url, ready)
            return url
        port = getattr(self.settings, port_field)
        _refuse_taken(port, port_var, url_var)
        url, server = embedded(port)
        self._start_server(server, port)
        server.wait_ready(lambda: ready(url), READY_TIMEOUT_S)
        return url

    def _nats_cluster(self, config: Path | None, admin: dict[str, str]) -> str:
        """AITRAIN_NATS_NODES nodes on consecutive ports from AITRAIN_NATS_PORT; services get
        every node's URL, so they reconnect to another when theirs goes away."""
        first = self.settings.aitrain_nats_port
        ports = [first + i for i in range(self.settings.aitrain_nats_nodes)]
        for port in ports:
            _refuse_taken(port, "AITRAIN_NATS_PORT", "NATS_URL")
        nodes = servers.nats_cluster(self.data_dir, ports, self.logs, config)
        for node, port in zip(nodes, ports, strict=True):  # all first: a quorum forms only
            self._start_server(node, port)  # once a majority runs
            self.nats_nodes.append(node)
        urls = [f"nats://127.0.0.1:{port}" for port in ports]
        for node, url in zip(nodes, urls, strict=True):
            node.wait_ready(lambda url=url: servers.nats_ready(url, **admin), READY_TIMEOUT_S)
        return ",".join(urls)

    def _start_server(self, server: ChildProcess, port: int) -> None:
        print(f"starting {server.name} on port {port} (log: {server.log_path})", flush=True)
        server.start()
        self.servers.append(server)

    def start_services(self) -> None:
        port = self.settings.gateway_port
        if port_open(port):  # else we might report another program's /healthz as ours
            raise LaunchError(f"port {port} is already in use: free it or set GATEWAY_PORT")
        for name, count in self.replicas.items():
            argv = [sys.executable, "-m", name]
            credentials = self.bus_credentials(name)  # each service publishes only its own
            env = self.service_env | {f"NATS_{key.upper()}": v for key, v in credentials.items()}
            if name == "gateway":  # the one service that keeps webhook secrets
                env["AITRAIN_SECRET_KEYS"] = self.secret_keys()
            if name in TORCH_SERVICES and "TORCH_THREADS" not in self.env:
                env["TORCH_THREADS"] = str(torch_threads(len(os.sched_getaffinity(0)))[name])
            for instance in [name] if count == 1 else [f"{name}-{i}" for i in range(1, count + 1)]:
                log = self.logs / f"{instance}.log"
                own = {"AITRAIN_INSTANCE": instance} | self._metrics_port(name, instance)
                service = ChildProcess(instance, argv, log, env | own)
                service.start()
                self.services[instance] = service
        if self.metrics_targets:
            targets = self.data_dir / "metrics-targets.json"
            targets.write_text(json.dumps(self.metrics_targets, indent=2))
            print(f"metrics: {len(self.metrics_targets)} targets in {targets}", flush=True)

    def _metrics_port(self, service: str, instance: str) -> dict[str, str]:
        """METRICS_PORT for the next process (AITRAIN_METRICS_PORT and up), noted as a
        Prometheus file_sd target; nothing when AITRAIN_METRICS_PORT is 0."""
        if not self.settings.aitrain_metrics_port:
            return {}
        port = self.settings.aitrain_metrics_port + len(self.metrics_targets)
        _refuse_taken(port, "AITRAIN_METRICS_PORT")
        labels = {"service": service, "aitrain_instance": instance}
        self.metrics_targets.append({"targets": [f"127.0.0.1:{port}"], "labels": labels})
        return {"METRICS_PORT": str(port)}

    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.gateway_port}"

    def wait_healthy(self) -> dict:
        def healthy() -> bool:
            return httpx.get(f"{self.gateway_url()}/healthz", timeout=2).status_code == 200

        self.services["gateway"].wait_ready(healthy, READY_TIMEOUT_S)
        return httpx.get(f"{self.gateway_url()}/healthz", timeout=2).json()

    def demo_account(self) -> dict:
        """A ready-made account to try the platform with (a paid plan, so one free training,
        and DEMO_CREDITS credits), made once through the public API and kept in the data
        folder; made again if its key no longer works (e.g. the records were wiped)."""
        path = self.data_dir / "demo-account.json"
        admin = self.service_env["AITRAIN_ADMIN_TOKEN"]
        if path.exists():
            kept = json.loads(path.read_text())
            answer = self._call("GET", "/v1/account", kept["api_key"])
            if answer.status_code == 200 and "password" in kept:
                return kept
            if answer.status_code == 200:  # kept by a version without dashboard sign-in
                login = {"email": DEMO_EMAIL, "password": secrets.token_urlsafe(12)}
                self._call("PUT", f"/v1/accounts/{kept['account_id']}/login", admin, json=login)
                return self._keep(path, kept | login)
        login = {"email": DEMO_EMAIL, "password": secrets.token_urlsafe(12)}
        made = self._call("POST", "/v1/accounts", admin, json=login).json()
        plan = {"plan": "pro", "reason": "the demo account"}  # as if paid: the operator's gift
        self._call("PUT", f"/v1/accounts/{made['account_id']}/plan", admin, json=plan)
        self._call(
            "POST",
            f"/v1/accounts/{made['account_id']}/credits",
            admin,
            json={"credits": DEMO_CREDITS, "reason": "demo credits"},
        )
        return self._keep(
            path, {"account_id": made["account_id"], "api_key": made["api_key"]} | login
        )

    @staticmethod
    def _keep(path: Path, demo: dict) -> dict:
        path.touch(mode=0o600)
        path.write_text(json.dumps(demo))
        return demo

    def _call(self, method: str, path: str, token: str, **kwargs) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        answer = httpx.request(
            method, self.gateway_url() + path, headers=headers, timeout=30, **kwargs
        )
        if answer.status_code >= 500:
            raise LaunchError(f"{method} {path} failed: {answer.status_code} {answer.text}")
        return answer

    def supervise(self) -> None:
        supervise([*self.servers, *self.services.values()])

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()
        for server in reversed(self.servers):
            server.stop()


def _refuse_taken(port: int, port_var: str, url_var: str | None = None) -> None:
    if port_open(port):
        instead = f", or use that server with {url_var}" if url_var else ""
        raise LaunchError(
            f"port {port} is already in use (is another aitrain running?): stop it or "
            f"choose another port with {port_var}{instead}"
        )


def _wait_for_external(url_var: str, url: str, ready: Callable[[str], bool]) -> None:
    deadline = time.monotonic() + EXTERNAL_TIMEOUT_S
    while True:
        try:
            if ready(url):
                return
            problem = "not ready"
        except Exception as exc:  # noqa: BLE001 — reported to the user below
            problem = f"{type(exc).__name__}: {exc}"
        if time.monotonic() > deadline:
            raise LaunchError(f"{url_var}={url} does not answer ({problem}); fix or unset it")
        time.sleep(0.5)


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def main() -> None:
    # Ctrl-C and `kill` stop alike, even where the shell started us with SIGINT ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        platform = Platform(dict(os.environ))
    except ValueError as exc:  # a setting that cannot work; pydantic says which and why
        sys.exit(f"aitrain could not run: {exc}")
    failure = None
    try:
        platform.start_servers()
        platform.start_services()
        health = platform.wait_healthy()
        demo = platform.demo_account()
        print(f"aitrain is up: {platform.gateway_url()}  (logs: {platform.logs})", flush=True)
        print(f"health: {health}", flush=True)
        print(
            f"open {platform.gateway_url()} and sign in with  email: {demo['email']}"
            f"  password: {demo['password']}",
            flush=True,
        )
        print(f"demo account: {demo['account_id']}  API key: {demo['api_key']}", flush=True)
        print(
            f"  try: AITRAIN_API_KEY={demo['api_key']} .venv/bin/aitrain credits"
            "   (or `make demo` in another terminal)",
            flush=True,
        )
        print(f"admin token: {platform.service_env['AITRAIN_ADMIN_TOKEN']}", flush=True)
        platform.supervise()
    except KeyboardInterrupt:
        pass
    except (LaunchError, RuntimeError, TimeoutError) as exc:
        failure = exc
    finally:
        # once stopping, stop: a second signal (make, `timeout`, systemd and a double Ctrl-C
        # all send one) must not break off half way and leave servers on their ports
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("stopping aitrain...", flush=True)
        platform.stop()
        print("stopped.", flush=True)
    if failure:
        sys.exit(f"aitrain could not run: {failure}")


if __name__ == "__main__":
    main()
