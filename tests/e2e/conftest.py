"""The platform as `make run` starts it: the launcher in its own process, every service a
process of its own, on free ports; one platform for every e2e and browser test (each test
uses accounts of its own), and one Chromium for the browser tests."""

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from webhook_receiver import Receiver, serving

from aitrain_client import Client
from aitrain_local import servers
from aitrain_local.launcher import embedded_catalog
from aitrain_local.process import free_port_block
from aitrain_local.started import Launched, platform_env, started
from contracts.bases import Base

ADMIN = "e2e-admin-token"
S3_SECRET = "e2e-s3-secret-key"


@dataclass
class Person:
    email: str
    password: str
    account_id: str
    api: Client
    """The same account through its API key, to check what the pages did."""


@dataclass
class Running:
    launched: Launched
    s3: object

    @property
    def url(self) -> str:
        return self.launched.url

    @property
    def env(self) -> dict[str, str]:
        return self.launched.env

    @property
    def launcher_pid(self) -> int:
        return self.launched.launcher.pid

    def restart(self) -> None:
        self.launched.restart()

    def admin(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30
        )

    def account(self, plan: str | None = "pro", credits: int = 0) -> tuple[str, Client]:
        made = self.admin().post("/v1/accounts").json()
        client = Client(self.url, made["api_key"])
        if plan:
            self.set_plan(made["account_id"], plan)
        if credits:
            self.grant(made["account_id"], credits)
        return made["account_id"], client

    def person(self, plan: str | None = "pro", credits: int = 0) -> "Person":
        """An account someone signs in to with an email and a password."""
        email = f"{uuid.uuid4().hex[:10]}@example.com"
        password = f"pw-{uuid.uuid4().hex}"
        made = self.admin().post("/v1/accounts", json={"email": email, "password": password})
        assert made.status_code == 201, made.text
        client = Client(self.url, made.json()["api_key"])
        if plan:
            self.set_plan(made.json()["account_id"], plan)
        if credits:
            self.grant(made.json()["account_id"], credits)
        return Person(email, password, made.json()["account_id"], client)

    def set_plan(self, account_id: str, plan: str) -> None:
        """As the operator does when a plan was paid outside the platform."""
        body = {"plan": plan, "reason": "e2e"}
        answer = self.admin().put(f"/v1/accounts/{account_id}/plan", json=body)
        assert answer.status_code == 200, answer.text

    def grant(self, account_id: str, credits: int) -> None:
        answer = self.admin().post(
            f"/v1/accounts/{account_id}/credits", json={"credits": credits, "reason": "e2e"}
        )
        assert answer.status_code == 200, answer.text

    def service_pid(self, name: str) -> int:
        found = self.child_pids(f" -m {name}$")
        assert len(found) == 1, found
        return found[0]

    def replica_pids(self, name: str) -> dict[str, int]:
        """The processes of a service run as replicas, by instance name (trainer-1, ...)."""
        return {_instance(pid): pid for pid in self.child_pids(f" -m {name}$")}

    def child_pids(self, pattern: str) -> list[int]:
        """The launcher's child processes whose command line matches `pattern`."""
        return self.launched.child_pids(pattern)

    @property
    def data_dir(self) -> Path:
        return Path(self.env["AITRAIN_DATA_DIR"])

    @property
    def logs(self) -> Path:
        return self.data_dir / "logs"


def _instance(pid: int) -> str:
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return next(v.split(b"=", 1)[1].decode() for v in environ if v.startswith(b"AITRAIN_INSTANCE="))


@contextmanager
def launched(data: Path, **settings: str) -> Iterator[Running]:
    """`python -m aitrain_local` (what `make run` runs) on free ports, until it is stopped as
    Ctrl-C stops it; `settings`: more of its environment (e.g. AITRAIN_NATS_NODES)."""
    env = platform_env(
        data,
        S3_SECRET_KEY=S3_SECRET,
        AITRAIN_ADMIN_TOKEN=ADMIN,
        **settings,
    )
    with started(env) as up:
        s3 = servers.s3_client(
            f"http://127.0.0.1:{env['AITRAIN_S3_PORT']}",
            servers.S3Credentials("aitrain", S3_SECRET),
        )
        yield Running(up, s3)


TINY_FLUX = "tiny-flux"
FLUX_TRAINING_CREDITS = 1200


@pytest.fixture(scope="session")
def platform(tmp_path_factory, tiny_bases) -> Iterator[Running]:
    # originals go soon after their check, so a test sees that they do
    quick_sweep = {"DATASET_KEEP_CHECKED_S": "3", "DATASET_SWEEP_S": "1"}
    # the tests' webhook receiver listens on loopback; a failing one is given up on quickly
    webhooks = {"WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8", "WEBHOOK_RETRY_SCHEDULE_S": "1,2"}
    # a second base beside the committed model: a tiny random FLUX.1 at a price of its own
    # (tests/e2e/test_bases.py)
    flux = Base(name=TINY_FLUX, label="tiny FLUX.1 (random)", family="flux",
                weights=str(tiny_bases["flux"]), resolution=64, presets="aitrain-tiny",
                training_credits=FLUX_TRAINING_CREDITS)  # fmt: skip
    bases = json.dumps([*json.loads(embedded_catalog()), flux.model_dump(exclude_defaults=True)])
    data = tmp_path_factory.mktemp("e2e-data")
    with launched(data, AITRAIN_BASES=bases, **quick_sweep, **webhooks) as running:
        yield running


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Running]:
    """The platform on a 3-node NATS cluster, with two processes of each worker, each
    serving its metrics (tests/e2e/test_cluster.py)."""
    data = tmp_path_factory.mktemp("cluster-data")
    replicas = "trainer=2,inference=2,billing=2,dataset=2"  # two sets checked at once
    settings = {"AITRAIN_NATS_NODES": "3", "AITRAIN_REPLICAS": replicas}
    with launched(data, AITRAIN_METRICS_PORT=str(free_port_block(32)), **settings) as running:
        yield running


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on loopback (each test posts to paths of its own)."""
    receiver, server = serving()
    yield receiver
    server.shutdown()


@pytest.fixture(scope="session")
def demo_set() -> Path:
    return Path(__file__).parents[2] / "examples" / "zxq"


CHROMIUM = "/usr/bin/chromium"  # Debian's; `make test` installs it when missing


# every page says each Content-Security-Policy violation on its console
REPORT_CSP = """document.addEventListener("securitypolicyviolation", (e) =>
  console.error(`csp-violation: ${e.effectiveDirective} refused ${e.blockedURI}`));"""


class WatchedBrowser:
    """Chromium whose pages report what the gateway's Content-Security-Policy refused:
    `violations` (tests/e2e/test_dashboard.py fails a test that caused any)."""

    def __init__(self, browser):
        self.browser = browser
        self.violations: list[str] = []

    def new_context(self, **options):
        context = self.browser.new_context(**options)
        context.add_init_script(REPORT_CSP)
        context.on("console", self._heard)
        return context

    def _heard(self, message) -> None:
        if message.text.startswith("csp-violation"):
            self.violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    def __getattr__(self, name):
        return getattr(self.browser, name)


@pytest.fixture(scope="module")  # not longer: Playwright's loop must stop before async tests
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        yield WatchedBrowser(browser)
        browser.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    """Where the browser tests leave their screenshots: AITRAIN_SCREENSHOTS (`make
    screenshots` points it at docs/screenshots) or a temporary folder."""
    folder = os.environ.get("AITRAIN_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path
