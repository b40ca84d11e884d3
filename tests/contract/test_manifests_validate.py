"""The Kubernetes manifests are valid objects of a pinned Kubernetes version (offline, with
the schemas kubernetes-validate ships), strictly: a misspelt or misplaced field fails."""

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

KUBERNETES = "1.33.0"  # the oldest version still supported upstream when this was pinned
MANIFESTS = sorted((Path(__file__).resolve().parents[2] / "deploy" / "k8s").rglob("*.yaml"))
DOCUMENTS = [
    pytest.param(document, id=f"{path.name}:{document['kind']}/{document['metadata']['name']}")
    for path in MANIFESTS
    for document in yaml.safe_load_all(path.read_text())
    if document
]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_each_object_is_valid_at_the_pinned_version(document):
    kubernetes_validate.validate(document, KUBERNETES, strict=True)


def test_a_misplaced_field_is_refused():
    """The check itself: a probe under the pod spec instead of the container is invalid."""
    deployment = next(d.values[0] for d in DOCUMENTS if d.values[0]["kind"] == "Deployment")
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["template"]["spec"]["readinessProbe"] = {"httpGet": {"path": "/", "port": 80}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES, strict=True)
