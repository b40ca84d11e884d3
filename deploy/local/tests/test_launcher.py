"""`make run` as a user runs it: the launcher in its own process, on free ports."""

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from pymongo import MongoClient

from aitrain_local import servers
from aitrain_local.process import free_port, port_open
from aitrain_local.started import platform_env

pytestmark = pytest.mark.e2e
STARTUP_LIMIT_S = 60


def launcher_env(data_dir: Path, **extra: str) -> dict[str, str]:
    return platform_env(data_dir, **({"S3_SECRET_KEY": "launcher-test-secret"} | extra))


@contextmanager
def platform(env: dict[str, str]) -> Iterator[dict]:
    """Run the launcher until it reports healthy; on exit Ctrl-C it and check it stopped."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "aitrain_local"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    try:
        for line in proc.stdout:
            output.append(line)
            if line.startswith("admin token:"):
                break
        else:
            pytest.fail("launcher exited before it was up:\n" + "".join(output))
        url = f"http://127.0.0.1:{env['GATEWAY_PORT']}/healthz"
        health = httpx.get(url, timeout=5).json()
        health["startup_s"] = time.monotonic() - started
        health["launcher_pid"] = proc.pid
        health["output"] = "".join(output)
        yield health
    finally:
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
        output.append(rest)
    assert proc.returncode == 0, "".join(output)
    assert "stopped." in "".join(output)
    for name in ("AITRAIN_NATS_PORT", "AITRAIN_MONGO_PORT", "AITRAIN_S3_PORT", "GATEWAY_PORT"):
        assert not port_open(int(env[name])), f"{name} still served after stop"


def demo_line(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith("demo account:"))


def test_records_objects_and_the_admin_token_survive_a_restart(tmp_path):
    env = launcher_env(tmp_path / "data", WEBHOOK_ALLOW_NETWORKS="127.0.0.0/8")
    env.pop("AITRAIN_ADMIN_TOKEN", None)  # made on the first run, kept in the data folder
    token_file = tmp_path / "data" / "admin-token"
    keys_file = tmp_path / "data" / "secret-keys"  # likewise: it seals webhook secrets
    creds = servers.S3Credentials("aitrain", env["S3_SECRET_KEY"])
    s3_endpoint = f"http://127.0.0.1:{env['AITRAIN_S3_PORT']}"
    mongo_url = f"mongodb://127.0.0.1:{env['AITRAIN_MONGO_PORT']}"
    url = f"http://127.0.0.1:{env['GATEWAY_PORT']}"
    marker = uuid.uuid4().hex

    with platform(env) as health:
        assert health["status"] == "ok", health
        assert health["startup_s"] < STARTUP_LIMIT_S
        token = token_file.read_text()
        assert oct(token_file.stat().st_mode & 0o777) == "0o600"
        assert token in health["output"]
        made = httpx.post(
            f"{url}/v1/accounts", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert made.status_code == 201
        key = made.json()["api_key"]
        account = httpx.get(
            f"{url}/v1/account", headers={"Authorization": f"Bearer {key}"}, timeout=10
        )
        assert account.json()["credits"] == 0
        hook = {"url": "http://127.0.0.1:9/h", "events": ["training.completed"]}
        endpoint = httpx.post(
            f"{url}/v1/webhooks", json=hook, headers={"Authorization": f"Bearer {key}"}
        ).json()["endpoint_id"]
        keys = keys_file.read_text()
        assert oct(keys_file.stat().st_mode & 0o777) == "0o600"

        demo = json.loads((tmp_path / "data" / "demo-account.json").read_text())
        assert f"API key: {demo['api_key']}" in health["output"]
        ready = httpx.get(
            f"{url}/v1/account",
            headers={"Authorization": f"Bearer {demo['api_key']}"},
            timeout=10,
        ).json()
        assert (ready["plan"], ready["credits"], ready["free_trainings"]) == ("pro", 100, 1)

        with MongoClient(mongo_url) as mongo:
            mongo["aitrain_probe"]["records"].insert_one({"_id": marker})
        payload = marker.encode()
        s3 = servers.s3_client(s3_endpoint, creds)
        s3.put_object("aitrain", f"probe/{marker}.txt", io.BytesIO(payload), len(payload))
        demo_key_line = demo_line(health["output"])

    with platform(env) as health:
        assert health["status"] == "ok", health
        assert token_file.read_text() == token  # made once
        assert keys_file.read_text() == keys
        opened = httpx.get(
            f"{url}/v1/webhooks/{endpoint}", headers={"Authorization": f"Bearer {key}"}
        )
        assert opened.status_code == 200, opened.text  # its sealed secret still opens
        assert demo_line(health["output"]) == demo_key_line  # the same demo account
        with MongoClient(mongo_url) as mongo:
            assert mongo["aitrain_probe"]["records"].find_one({"_id": marker}) is not None
        s3 = servers.s3_client(s3_endpoint, creds)
        assert s3.get_object("aitrain", f"probe/{marker}.txt").read() == marker.encode()


def test_a_service_or_server_that_dies_is_restarted(tmp_path):
    """SIGKILL of the gateway, the MongoDB-protocol server and the S3 server in turn: the
    launcher starts each again on its port with its data, and the platform answers again."""
    env = launcher_env(tmp_path / "data", AITRAIN_ADMIN_TOKEN="launcher-test-admin")
    with platform(env) as health:
        api = httpx.Client(
            base_url=f"http://127.0.0.1:{env['GATEWAY_PORT']}",
            headers={"Authorization": f"Bearer {env['AITRAIN_ADMIN_TOKEN']}"},
            timeout=10,
        )
        made = api.post("/v1/accounts").raise_for_status().json()

        def healthy() -> bool:
            try:
                return api.get("/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        for child in (" -m gateway$", "nx-27017 ", "weed mini "):
            pids = subprocess.run(
                ["pgrep", "-P", str(health["launcher_pid"]), "-f", child],
                capture_output=True,
                text=True,
            ).stdout.split()
            assert len(pids) == 1
            os.kill(int(pids[0]), signal.SIGKILL)
            deadline = time.monotonic() + 40
            time.sleep(1)
            while not healthy():
                assert time.monotonic() < deadline, f"{child} was not restarted"
                time.sleep(0.2)
            # the account made before is there: the records outlived the process
            own = {"Authorization": f"Bearer {made['api_key']}"}
            account = api.get("/v1/account", headers=own)
            assert account.status_code == 200, account.text


def test_a_server_given_by_url_is_not_started(tmp_path, embedded):
    data_dir = tmp_path / "data"
    env = launcher_env(data_dir, MONGO_URL=embedded.mongo_url)
    with platform(env) as health:
        assert health["status"] == "ok", health
        assert health["dependencies"]["mongo"]["ok"]
        assert not port_open(int(env["AITRAIN_MONGO_PORT"]))
    logs = {p.name for p in (data_dir / "logs").iterdir()}
    assert "nats.log" in logs and "s3.log" in logs
    assert "mongo.log" not in logs


def run_to_failure(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "aitrain_local"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("port_var", ["AITRAIN_NATS_PORT", "GATEWAY_PORT"])
def test_a_busy_port_is_named_with_what_to_do(tmp_path, port_var):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_to_failure(launcher_env(tmp_path / "data", **{port_var: str(port)}))
    assert result.returncode != 0
    assert f"port {port} is already in use" in result.stderr
    assert port_var in result.stderr


def test_an_external_server_that_does_not_answer_is_named(tmp_path):
    dead = f"mongodb://127.0.0.1:{free_port()}"
    result = run_to_failure(launcher_env(tmp_path / "data", MONGO_URL=dead))
    assert result.returncode != 0
    assert f"MONGO_URL={dead} does not answer" in result.stderr
    assert not (tmp_path / "data" / "logs" / "mongo.log").exists()


def _descendants(pid: int) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    found = [int(child) for child in children.stdout.split()]
    return found + [grand for child in found for grand in _descendants(child)]


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    return state != "Z"  # a zombie has ended; only its parent's wait is missing


def test_signals_while_stopping_do_not_break_off_the_stop(tmp_path):
    env = launcher_env(tmp_path / "data")
    proc = subprocess.Popen(
        [sys.executable, "-m", "aitrain_local"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = []
    for line in proc.stdout:
        output.append(line)
        if line.startswith("admin token:"):
            break
    started = _descendants(proc.pid)
    assert len(started) >= 8, started  # three servers, five services
    proc.send_signal(signal.SIGTERM)
    for line in proc.stdout:
        output.append(line)
        if line.startswith("stopping aitrain"):
            for _ in range(3):  # as make, `timeout` or an impatient Ctrl-C would
                proc.send_signal(signal.SIGTERM)
                proc.send_signal(signal.SIGINT)
            break
    rest, _ = proc.communicate(timeout=90)
    output.append(rest)
    assert proc.returncode == 0, "".join(output)
    assert "stopped." in "".join(output)
    assert [pid for pid in started if _running(pid)] == []
    for name in ("AITRAIN_NATS_PORT", "AITRAIN_MONGO_PORT", "AITRAIN_S3_PORT", "GATEWAY_PORT"):
        assert not port_open(int(env[name])), f"{name} still served after stop"
