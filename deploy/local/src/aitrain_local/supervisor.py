"""Keep the platform running: restart a server or service that exits."""

import time

from aitrain_local.process import ChildProcess

MAX_RESTART_DELAY_S = 30.0
STABLE_AFTER_S = 120.0
"""A child that ran this long before it died is restarted after the first delay again."""


class LaunchError(Exception):
    """The platform cannot start or go on; the message says what to do about it."""


def supervise(children: list[ChildProcess]) -> None:
    """Restart a child that exits, waiting longer after each restart so one that cannot
    start does not spin. A service's unfinished job is redelivered to its new process; a
    server comes back on its port with its data folder, and the services reconnect (their
    calls meanwhile fail as a network fault would, and are retried)."""
    delays = {child.name: 1.0 for child in children}
    due: dict[str, float] = {}
    started = {child.name: time.monotonic() for child in children}
    while True:
        now = time.monotonic()
        for child in children:
            name = child.name
            if child.alive() or due.get(name, 0) > now:
                continue
            if name in due:
                print(f"restarting {name} (log: {child.log_path})", flush=True)
                child.start()
                started[name] = now
                delays[name] = min(delays[name] * 2, MAX_RESTART_DELAY_S)
                del due[name]
            else:
                if now - started[name] > STABLE_AFTER_S:
                    delays[name] = 1.0
                print(f"{name} exited; restarting in {delays[name]:.0f}s", flush=True)
                due[name] = now + delays[name]
        time.sleep(0.5)
