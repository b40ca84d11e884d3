"""What each rendered overlay promises an operator: every container probed, sized and
locked down; every long-running workload with a disruption budget; trainer and inference
scaled by KEDA on their job queues (to zero when idle) and the gateway on CPU; a network
closed but for what the services need; GPUs and a hub model in the gpu overlay."""

import copy
import inspect
import math
import re
from pathlib import Path

import pytest
from contract.kustomized import (
    OVERLAYS,
    SERVICES_WITH_JOBS,
    config,
    containers,
    named,
    render,
)

from contracts.bus import Topology, connect_bus
from contracts.bus.permissions import DURABLES, SERVICES

# trigger metadata that KEDA v2.20.2's nats-jetstream scaler reads
# (pkg/scalers/nats_jetstream_scaler.go, natsJetStreamMetadata)
NATS_JETSTREAM_KEYS = {
    "natsServerMonitoringEndpoint",
    "account",
    "accountID",
    "stream",
    "consumer",
    "lagThreshold",
    "activationLagThreshold",
    "useHttps",
}
AUTH_CONF = Path(__file__).resolve().parents[2] / "deploy" / "nats" / "auth.conf"


def container_problems(documents) -> list[str]:
    """Each container: probes (long-running ones), requests and limits, and a security
    context that runs it as non-root, read-only, unprivileged, without capabilities, under
    the runtime's seccomp profile (pod-level settings count for every container)."""
    problems = []
    for workload, pod, container in containers(documents):
        where = f"{workload['kind']}/{workload['metadata']['name']}/{container['name']}"
        if workload["kind"] != "Job":
            for probe in ("livenessProbe", "readinessProbe"):
                if probe not in container:
                    problems.append(f"{where}: no {probe}")
        resources = container.get("resources", {})
        for side in ("requests", "limits"):
            if not {"cpu", "memory"} <= set(resources.get(side, {})):
                problems.append(f"{where}: {side} without cpu and memory")
        security = pod.get("securityContext", {}) | container.get("securityContext", {})
        wanted = {
            "runAsNonRoot": True,
            "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        }
        for key, value in wanted.items():
            if security.get(key) != value:
                problems.append(f"{where}: securityContext.{key} is not {value}")
    return problems


def disruption_problems(documents) -> list[str]:
    """Each Deployment and StatefulSet: a PodDisruptionBudget that selects its pods."""
    budgets = [
        b["spec"]["selector"]["matchLabels"]
        for b in named(documents, "PodDisruptionBudget").values()
    ]
    problems = []
    for kind in ("Deployment", "StatefulSet"):
        for name, workload in named(documents, kind).items():
            labels = workload["spec"]["template"]["metadata"]["labels"]
            if not any(selector.items() <= labels.items() for selector in budgets):
                problems.append(f"{kind}/{name}: no PodDisruptionBudget")
    return problems


def _count(value: int | str, members: int) -> int:
    """A budget's number: a count, or a percentage of the members (which Kubernetes' disruption
    controller rounds up, for minAvailable and maxUnavailable alike)."""
    if isinstance(value, int):
        return value
    return math.ceil(members * int(value.rstrip("%")) / 100)


def quorum_problems(documents) -> list[str]:
    """Each StatefulSet (a server keeping data: MongoDB's replica set, NATS' JetStream,
    MinIO): its budget never lets a drain evict a majority of its members, so with one
    member it lets the drain evict none (it waits for the operator)."""
    sets = named(documents, "StatefulSet")
    problems = []
    for name, budget in named(documents, "PodDisruptionBudget").items():
        selector = budget["spec"]["selector"]["matchLabels"]
        for set_name, workload in sets.items():
            if not selector.items() <= workload["spec"]["template"]["metadata"]["labels"].items():
                continue
            members = workload["spec"].get("replicas", 1)
            spec = budget["spec"]
            evictable = members - _count(spec.get("minAvailable", 0), members)
            if "maxUnavailable" in spec:
                evictable = _count(spec["maxUnavailable"], members)
            if members - evictable < members // 2 + 1:
                problems.append(f"PodDisruptionBudget/{name}: a drain may evict {evictable} "
                                f"of {set_name}'s {members} members")  # fmt: skip
    return problems


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_drain_takes_a_servers_majority(overlay):
    assert quorum_problems(render(overlay)) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_is_probed_sized_and_locked_down(overlay):
    assert container_problems(render(overlay)) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_long_running_workload_has_a_disruption_budget(overlay):
    assert disruption_problems(render(overlay)) == []


def test_the_checks_find_what_is_missing():
    """The checks themselves: a container without a probe, limits or a read-only root, and
    a Deployment without its budget are each reported."""
    documents = copy.deepcopy(list(render("cpu")))
    deployments = named(documents, "Deployment")
    [trainer] = deployments["trainer"]["spec"]["template"]["spec"]["containers"]
    del trainer["livenessProbe"]
    [gateway] = deployments["gateway"]["spec"]["template"]["spec"]["containers"]
    del gateway["resources"]["limits"]
    [billing] = deployments["billing"]["spec"]["template"]["spec"]["containers"]
    billing["securityContext"]["readOnlyRootFilesystem"] = False
    assert set(container_problems(documents)) == {
        "Deployment/gateway/gateway: limits without cpu and memory",
        "Deployment/billing/billing: securityContext.readOnlyRootFilesystem is not True",
        "Deployment/trainer/trainer: no livenessProbe",
    }
    without = [
        d
        for d in documents
        if (d["kind"], d["metadata"]["name"]) != ("PodDisruptionBudget", "dataset")
    ]
    assert disruption_problems(without) == ["Deployment/dataset: no PodDisruptionBudget"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_services_write_only_to_volumes(overlay):
    """The root filesystem is read-only: /tmp (uploads, checkpoints) and the model cache
    (HF_HOME) are emptyDir volumes."""
    for workload, pod, container in containers(render(overlay)):
        if workload["metadata"]["name"] not in SERVICES:
            continue
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        volumes = {v["name"]: v for v in pod["volumes"]}
        env = {e["name"]: e.get("value") for e in container.get("env", [])}
        paths = ["/tmp"] + ([env["HF_HOME"]] if "HF_HOME" in env else [])
        for path in paths:
            mount = next(m for m in mounts if path == m or path.startswith(m + "/"))
            assert "emptyDir" in volumes[mounts[mount]], (container["name"], path)
    for service in SERVICES_WITH_JOBS:
        [container] = named(render(overlay), "Deployment")[service]["spec"]["template"]["spec"][
            "containers"
        ]
        assert any(e["name"] == "HF_HOME" for e in container["env"])


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES_WITH_JOBS)
def test_model_services_scale_on_their_job_queue(overlay, service):
    """KEDA's nats-jetstream scaler on the durable the service takes its jobs from, in the
    stream contracts/bus names for the ConfigMap's bus prefix, read from a NATS monitoring
    endpoint the overlay serves; to zero when idle."""
    documents = render(overlay)
    scaled = named(documents, "ScaledObject")[service]["spec"]
    assert scaled["scaleTargetRef"]["name"] == service
    assert scaled["minReplicaCount"] == 0 and scaled["maxReplicaCount"] >= 1
    assert scaled["pollingInterval"] <= 30 and scaled["cooldownPeriod"] >= 300
    trigger = scaled["triggers"][0]
    assert trigger["type"] == "nats-jetstream"
    metadata = trigger["metadata"]
    assert set(metadata) <= NATS_JETSTREAM_KEYS
    prefix = config(documents).get("AITRAIN_BUS_PREFIX", "aitrain")
    assert metadata["stream"] == Topology(prefix=prefix).event_stream
    assert metadata["consumer"] == SERVICES_WITH_JOBS[service]
    for other in scaled["triggers"]:
        assert other["metadata"]["consumer"] in DURABLES[service]
    assert metadata["lagThreshold"] == "1"  # one job per pod
    # users without accounts (auth.conf) share NATS's global account
    assert metadata["account"] == "$G" and "accounts" not in AUTH_CONF.read_text()
    host, port = metadata["natsServerMonitoringEndpoint"].split(":")
    name, namespace = host.split(".")[:2]
    nats = named(documents, "Service")[name]
    assert nats["metadata"]["namespace"] == namespace
    assert int(port) in {p["port"] for p in nats["spec"]["ports"]}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_scales_on_cpu(overlay):
    hpa = named(render(overlay), "HorizontalPodAutoscaler")["gateway"]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "gateway",
    }
    [metric] = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES_WITH_JOBS)
def test_a_stopping_model_pod_outlasts_its_graceful_stop(overlay, service):
    """SIGTERM gives the running job connect_bus's graceful timeout, then hands it over
    (redelivered, resumed from its checkpoint); the grace covers that with room to spare."""
    graceful = inspect.signature(connect_bus).parameters["graceful_timeout_s"].default
    pod = named(render(overlay), "Deployment")[service]["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] >= graceful + 60


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_network_is_closed_but_for_what_is_needed(overlay):
    """Deny by default; DNS for all; services reach NATS, MongoDB and MinIO; only the
    gateway and MinIO (browsers fetch signed image links) take traffic from anywhere;
    metrics only from Prometheus; NATS's monitoring port from KEDA."""
    policies = named(render(overlay), "NetworkPolicy")
    deny = policies["default-deny"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    assert any(
        port["port"] == 53 for rule in policies["dns"]["spec"]["egress"] for port in rule["ports"]
    )
    egress = policies["services-egress"]["spec"]
    assert set(egress["podSelector"]["matchExpressions"][0]["values"]) == set(SERVICES)
    reached = {
        (r["to"][0]["podSelector"]["matchLabels"]["app"], r["ports"][0]["port"])
        for r in egress["egress"]
    }
    assert reached == {("nats", 4222), ("mongo", 27017), ("minio", 9000)}
    from_anywhere = set()
    for policy in policies.values():
        for rule in policy["spec"].get("ingress", []):
            ports = {port["port"] for port in rule["ports"]}
            if not rule.get("from"):
                from_anywhere |= {
                    (policy["spec"]["podSelector"]["matchLabels"]["app"], p) for p in ports
                }
            if 9090 in ports:
                assert rule["from"][0]["podSelector"]["matchLabels"] == {
                    "app.kubernetes.io/name": "prometheus"
                }
    assert from_anywhere == {("gateway", 8080), ("minio", 9000)}
    keda = {"kubernetes.io/metadata.name": "keda"}
    monitoring = [
        r for r in policies["nats-ingress"]["spec"]["ingress"] if r["ports"][0]["port"] == 8222
    ]
    assert any(
        peer.get("namespaceSelector", {}).get("matchLabels") == keda
        for peer in monitoring[0]["from"]
    )


def model_pods(overlay: str) -> dict[str, dict]:
    deployments = named(render(overlay), "Deployment")
    return {s: deployments[s]["spec"]["template"]["spec"] for s in SERVICES_WITH_JOBS}


def test_the_cpu_overlay_runs_the_images_base_model_without_a_gpu():
    """No BASE_MODEL given: the image's committed model (deploy/Dockerfile) is used."""
    assert "BASE_MODEL" not in config(render("cpu"))
    for pod in model_pods("cpu").values():
        [container] = pod["containers"]
        assert "BASE_MODEL" not in {e["name"] for e in container["env"]}
        assert "nvidia.com/gpu" not in container["resources"]["limits"]
        assert "nodeSelector" not in pod
        assert not container["image"].endswith("-cuda")


def test_the_gpu_overlay_gives_each_model_pod_a_gpu_and_a_hub_model():
    data = config(render("gpu"))
    assert re.fullmatch(r"[\w.-]+/[\w.-]+", data["BASE_MODEL"]), "a hub id, not a path"
    assert data["AITRAIN_DEVICE"] == "cuda"
    for pod in model_pods("gpu").values():
        [container] = pod["containers"]
        assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
        assert pod["nodeSelector"] and pod["tolerations"]
        assert container["image"].endswith("-cuda"), "the CUDA build (deploy/Dockerfile)"
        cache = next(v for v in pod["volumes"] if v["name"] == "cache")
        assert cache["emptyDir"]["sizeLimit"] == "40Gi"
    hub = named(render("gpu"), "NetworkPolicy")["model-hub-egress"]["spec"]
    assert hub["egress"] == [{"ports": [{"protocol": "TCP", "port": 443}]}]
