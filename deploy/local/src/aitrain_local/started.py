"""`python -m aitrain_local` (what `make run` runs) as a child process on free ports, for the
e2e tests and scripts/chaos.py: up when it prints the admin token, stopped as Ctrl-C stops it,
and restarted whole on the same ports and data (a fault of the chaos run)."""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from aitrain_local.process import free_port, free_port_block


@dataclass
class Launched:
    url: str
    env: dict[str, str]
    """The launcher's whole environment (ports, data folder, tokens)."""
    launcher: subprocess.Popen

    def restart(self) -> None:
        """Stop the whole platform as Ctrl-C does, then start it again as it was."""
        _stop(self.launcher)
        self.launcher = _launch(self.env)

    @property
    def data_dir(self) -> Path:
        return Path(self.env["AITRAIN_DATA_DIR"])

    def child_pids(self, pattern: str) -> list[int]:
        """The launcher's child processes whose command line matches `pattern`."""
        found = subprocess.run(
            ["pgrep", "-P", str(self.launcher.pid), "-f", pattern],
            capture_output=True,
            text=True,
        ).stdout.split()
        return [int(pid) for pid in found]


def platform_env(data: Path, **settings: str) -> dict[str, str]:
    """The launcher's environment: this one, free ports, `data` as its folder, `settings`."""
    return {
        **os.environ,
        "AITRAIN_DATA_DIR": str(data),
        "AITRAIN_NATS_PORT": str(free_port_block(3)),  # a cluster takes the next two
        "AITRAIN_MONGO_PORT": str(free_port()),
        "AITRAIN_S3_PORT": str(free_port()),
        "GATEWAY_PORT": str(free_port()),
        **settings,
    }


@contextmanager
def started(env: dict[str, str]) -> Iterator[Launched]:
    launched = Launched(f"http://127.0.0.1:{env['GATEWAY_PORT']}", env, _launch(env))
    try:
        yield launched
    finally:
        _stop(launched.launcher)


def _launch(env: dict[str, str]) -> subprocess.Popen:
    """The launcher, once it is up (it prints the admin token last)."""
    launcher = subprocess.Popen(
        [sys.executable, "-m", "aitrain_local"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = []
    for line in launcher.stdout:
        output.append(line)
        if line.startswith("admin token:"):
            return launcher
    _stop(launcher)
    raise RuntimeError("the platform did not come up:\n" + "".join(output))


def _stop(launcher: subprocess.Popen) -> None:
    launcher.send_signal(signal.SIGINT)
    launcher.communicate(timeout=90)
