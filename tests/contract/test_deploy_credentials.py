"""The deploy manifests give each service credentials of its own: its NATS user (whose
permissions deploy/nats/auth.conf holds), its MongoDB user and its MinIO user; no secret is
shared between services and the NATS server reads every user's password."""

from pathlib import Path

import pytest
import yaml
from contract.kustomized import OVERLAYS, containers, named, render, write_deploy_auth

from contracts.bus.permissions import SERVICES, USERS, password_variable

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "compose" / "docker-compose.yml").read_text())
KEEPS_OBJECTS = {"gateway", "dataset", "trainer", "inference"}


@pytest.mark.parametrize("service", SERVICES)
def test_compose_gives_each_service_its_own_credentials(service):
    env = COMPOSE["services"][service]["environment"]
    assert env["NATS_USER"] == service
    assert env["NATS_PASSWORD"] == f"${{{password_variable(service)[1:]}:?}}"
    assert env["MONGO_URL"].startswith(f"mongodb://{service}:${{MONGO_{service.upper()}_PASSWORD")
    assert env["MONGO_URL"].endswith("&w=majority&journal=true")  # acknowledged = kept
    if service in KEEPS_OBJECTS:
        assert env["S3_ACCESS_KEY"] == service
        assert env["S3_SECRET_KEY"] == f"${{S3_{service.upper()}_SECRET_KEY:?}}"
    else:
        assert "S3_SECRET_KEY" not in env


def test_compose_nats_knows_every_user_and_needs_a_password():
    nats = COMPOSE["services"]["nats"]
    assert "/etc/nats/auth.conf" in nats["command"]
    assert set(nats["environment"]) == {password_variable(user)[1:] for user in USERS}


def test_compose_declares_the_streams_as_admin_before_any_service_starts():
    """Services may only read the streams' settings (contracts.bus.permissions)."""
    bootstrap = COMPOSE["services"]["bus-bootstrap"]
    assert bootstrap["command"] == ["python", "-m", "contracts.bus.bootstrap"]
    assert bootstrap["environment"]["NATS_USER"] == "admin"
    assert bootstrap["environment"]["NATS_PASSWORD"] == "${AITRAIN_NATS_ADMIN_PASSWORD:?}"
    for service in SERVICES:
        waits = COMPOSE["services"][service]["depends_on"]["bus-bootstrap"]
        assert waits == {"condition": "service_completed_successfully"}, service


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kubernetes_declares_the_streams_with_a_job_of_the_admin(overlay, tmp_path):
    documents = render(overlay)
    job = named(documents, "Job")["bus-bootstrap"]
    [container] = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python", "-m", "contracts.bus.bootstrap"]
    secrets = [s["secretRef"]["name"] for s in container["envFrom"] if "secretRef" in s]
    assert secrets == ["aitrain-bus-admin"]
    write_deploy_auth.write_k8s_secrets(tmp_path)
    admin = dict(line.split("=", 1) for line in (tmp_path / "bus-admin.env").read_text().split())
    everything = dict(line.split("=", 1) for line in (tmp_path / "all.env").read_text().split())
    assert admin == {
        "NATS_USER": "admin",
        "NATS_PASSWORD": everything[password_variable("admin")[1:]],
    }
    policies = named(documents, "NetworkPolicy")
    [to_nats] = policies["bus-bootstrap-egress"]["spec"]["egress"]
    assert to_nats["to"] == [{"podSelector": {"matchLabels": {"app": "nats"}}}]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kubernetes_gives_each_service_a_secret_of_its_own(overlay):
    documents = render(overlay)
    deployments = named(documents, "Deployment")
    assert set(deployments) == set(SERVICES)
    for name, deployment in deployments.items():
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        secrets = [s["secretRef"]["name"] for s in container["envFrom"] if "secretRef" in s]
        assert secrets == [f"aitrain-{name}"]
    for config in named(documents, "ConfigMap").values():
        assert not {"MONGO_URL", "S3_SECRET_KEY", "NATS_PASSWORD"} & set(config.get("data", {}))


@pytest.mark.parametrize("service", SERVICES)
def test_kubernetes_writes_are_acknowledged_by_a_journaled_majority(service):
    """What is acknowledged (a ledger entry billing then announces) survives a failover."""
    values = dict(line.split("=", 1) for line in write_deploy_auth.secret_lines())
    url = write_deploy_auth.service_secret(service, values)["MONGO_URL"]
    assert url.endswith("&w=majority&journal=true"), url


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kubernetes_servers_read_the_values_write_deploy_auth_makes(overlay):
    """The shipped servers read single keys of `aitrain-servers` (its all.env); NATS gets
    every user's password that auth.conf names."""
    made = {line.split("=", 1)[0] for line in write_deploy_auth.secret_lines()}
    read: dict[str, set[str]] = {}
    for workload, _, container in containers(render(overlay)):
        for item in container.get("env", []):
            if ref := item.get("valueFrom", {}).get("secretKeyRef"):
                assert ref["name"] == "aitrain-servers", workload["metadata"]["name"]
                read.setdefault(workload["metadata"]["name"], set()).add(ref["key"])
    assert set().union(*read.values()) <= made
    assert read["nats"] == {password_variable(user)[1:] for user in USERS}


def test_kubernetes_servers_copies_are_current():
    """kustomize reads nothing outside deploy/k8s/servers: its copies must be deploy/'s."""
    servers = DEPLOY / "k8s" / "servers"
    for original in (
        "nats/auth.conf",
        "mongo/create-users.js",
        "minio/lifecycle.json",
        "minio/aitrain-objects.json",
    ):
        copy = servers / Path(original).name
        assert copy.read_text() == (DEPLOY / original).read_text(), f"cp deploy/{original} {copy}"
