"""The embedded NATS server's users: one per service, `admin` and `reader`
(contracts.bus.permissions), with passwords made on first run and kept in the data folder."""

import json
import secrets
from pathlib import Path

from contracts.bus import Topology
from contracts.bus.permissions import USERS, authorization_block


def passwords(folder: Path) -> dict[str, str]:
    """Each user's password, made once (a user added by a later version gets one too)."""
    path = folder / "bus-users.json"
    kept = json.loads(path.read_text()) if path.exists() else {}
    if set(USERS) - set(kept):
        kept = {user: kept.get(user) or secrets.token_urlsafe(24) for user in USERS}
        _private(path, json.dumps(kept, indent=2))
    return kept


def server_config(folder: Path, topology: Topology, users: dict[str, str]) -> Path:
    """The NATS server's configuration file: its users and what each may do."""
    path = folder / "nats-auth.conf"
    _private(path, authorization_block(topology, users))
    return path


def _private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(text)
