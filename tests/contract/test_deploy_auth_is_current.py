"""The committed NATS users of the deployments match contracts.bus.permissions now."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    "write_deploy_auth", ROOT / "scripts/write_deploy_auth.py"
)
write_deploy_auth = importlib.util.module_from_spec(spec)
spec.loader.exec_module(write_deploy_auth)


def test_deploy_nats_auth_is_current():
    committed = write_deploy_auth.OUT.read_text()
    assert committed == write_deploy_auth.config(), "stale: run `make deploy-auth`"


def test_every_password_is_read_from_the_environment():
    text = write_deploy_auth.OUT.read_text()
    assert text.count("password: $AITRAIN_NATS_") == len(write_deploy_auth.USERS)


def test_the_nats_server_accepts_it_given_the_passwords():
    import subprocess

    from aitrain_local.process import binary

    argv = [binary("nats-server"), "-c", str(write_deploy_auth.OUT), "-t"]
    passwords = {f"AITRAIN_NATS_{user.upper()}_PASSWORD": "x" for user in write_deploy_auth.USERS}
    assert subprocess.run(argv, env=passwords, capture_output=True).returncode == 0
    missing = subprocess.run(argv, env={}, capture_output=True, text=True)
    assert missing.returncode != 0 and "AITRAIN_NATS_ADMIN_PASSWORD" in missing.stderr
