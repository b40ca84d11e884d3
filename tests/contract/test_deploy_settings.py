"""Every variable a service needs in a deployment (contracts.settings.deployment_needs: no
usable default) is given by each deployment: its image (deploy/Dockerfile's ENV), then
compose's environment, or, in each rendered Kubernetes overlay, the ConfigMap, the container's
env and the service's Secret (as scripts/write_deploy_auth.py --k8s-secrets writes it)."""

import importlib
import re
from functools import partial
from pathlib import Path

import pytest
import yaml
from contract.kustomized import OVERLAYS, config, named, render, write_deploy_auth

from contracts.bus.permissions import SERVICES
from contracts.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def settings_of(service: str) -> type[ServiceSettings]:
    return importlib.import_module(f"{service}.config").Settings


def image_env(service: str) -> set[str]:
    """ENV names of the Dockerfile stage the service's image is built from, with those of
    the stages it is built on."""
    stages: dict[str, tuple[str, set[str]]] = {}
    current = None
    for line in (DEPLOY / "Dockerfile").read_text().splitlines():
        if match := re.match(r"FROM (\S+) AS (\S+)", line):
            current = match[2]
            stages[current] = (match[1], set())
        elif line.startswith("ENV ") and current:
            stages[current][1].update(re.findall(r"(\w+)=", line))
    names, stage = set(), service
    while stage in stages:
        parent, env = stages[stage]
        names |= env
        stage = parent
    return names


def compose_env(service: str) -> set[str]:
    compose = yaml.safe_load((DEPLOY / "compose" / "docker-compose.yml").read_text())
    return set(compose["services"][service].get("environment", {}))


def kubernetes_env(overlay: str, service: str) -> set[str]:
    documents = render(overlay)
    [container] = named(documents, "Deployment")[service]["spec"]["template"]["spec"]["containers"]
    names = {item["name"] for item in container.get("env", [])}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            assert source["configMapRef"]["name"] == "aitrain"
            names |= set(config(documents))
        elif source["secretRef"]["name"] == f"aitrain-{service}":
            values = dict(line.split("=", 1) for line in write_deploy_auth.secret_lines())
            names |= set(write_deploy_auth.service_secret(service, values))
    return names


DEPLOYMENTS = {"compose": compose_env} | {
    f"k8s-{overlay}": partial(kubernetes_env, overlay) for overlay in OVERLAYS
}


@pytest.mark.parametrize("deployment", DEPLOYMENTS)
@pytest.mark.parametrize("service", SERVICES)
def test_each_deployment_sets_what_the_service_needs(service, deployment):
    given = image_env(service) | DEPLOYMENTS[deployment](service)
    missing = settings_of(service).deployment_needs() - given
    assert not missing, f"{deployment} gives {service} no {sorted(missing)}"


def test_needs_come_from_the_defaults():
    """The rule itself: an empty or loopback default must be set; a real default need not."""
    gateway, trainer = settings_of("gateway"), settings_of("trainer")
    assert {"BASE_MODEL", "NATS_URL", "MONGO_URL", "S3_ENDPOINT"} <= trainer.deployment_needs()
    assert {"S3_PUBLIC_ENDPOINT", "AITRAIN_ADMIN_TOKEN", "GATEWAY_HOST"} <= (
        gateway.deployment_needs()
    )
    assert "LOG_LEVEL" not in trainer.deployment_needs()  # "INFO" suits everywhere
    assert "STRIPE_SECRET_KEY" not in gateway.deployment_needs()  # may stay unset
    assert {"BASE_MODEL"} <= image_env("trainer") and "BASE_MODEL" not in image_env("billing")
