"""Keep the platform running: restart a service that exits, stop if a server dies."""

import time

from aitrain_local.process import ChildProcess

MAX_RESTART_DELAY_S = 30.0


class LaunchError(Exception):
    """The platform cannot start or go on; the message says what to do about it."""


def supervise(servers: list[ChildProcess], services: list[ChildProcess]) -> None:
    """Restart a service that exits (its unfinished job is redelivered to the new process),
    waiting longer after each restart so a service that cannot start does not spin."""
    delays = {service.name: 1.0 for service in services}
    due: dict[str, float] = {}
    while True:
        for server in servers:
            if not server.alive():
                raise LaunchError(f"the {server.name} server stopped; see {server.log_path}")
        now = time.monotonic()
        for service in services:
            name = service.name
            if service.alive() or due.get(name, 0) > now:
                continue
            if name in due:
                print(f"restarting {name} (log: {service.log_path})", flush=True)
                service.start()
                delays[name] = min(delays[name] * 2, MAX_RESTART_DELAY_S)
                del due[name]
            else:
                print(f"{name} exited; restarting in {delays[name]:.0f}s", flush=True)
                due[name] = now + delays[name]
        time.sleep(0.5)
