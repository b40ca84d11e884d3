"""Every object of each rendered overlay is valid at a pinned Kubernetes version (offline,
with the schemas kubernetes-validate ships), strictly: a misspelt or misplaced field fails.
KEDA's ScaledObjects are checked against the CRD schema of a pinned KEDA release (vendored in
schemas/), as strictly: an API server with strict field validation refuses unknown fields
of a structural CRD schema too."""

import copy
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml
from contract.kustomized import OVERLAYS, render

KUBERNETES = "1.33.0"  # the oldest version still supported upstream when this was pinned
KEDA_CRD = Path(__file__).parent / "schemas" / "keda.sh_scaledobjects.yaml"  # KEDA v2.20.2
DOCUMENTS = [
    pytest.param(document, id=f"{overlay}:{document['kind']}/{document['metadata']['name']}")
    for overlay in OVERLAYS
    for document in render(overlay)
]


def closed(schema):
    """The schema with unknown fields refused wherever it lists the known ones."""
    if isinstance(schema, dict):
        schema = {key: closed(value) for key, value in schema.items()}
        if "properties" in schema and not schema.get("x-kubernetes-preserve-unknown-fields"):
            schema.setdefault("additionalProperties", False)
    elif isinstance(schema, list):
        schema = [closed(item) for item in schema]
    return schema


def scaled_object_schema() -> dict:
    [version] = yaml.safe_load(KEDA_CRD.read_text())["spec"]["versions"]
    assert version["name"] == "v1alpha1"
    return closed(version["schema"]["openAPIV3Schema"])


SCALED_OBJECT = jsonschema.Draft7Validator(scaled_object_schema())


def validate(document: dict) -> None:
    if document["kind"] == "ScaledObject":
        assert document["apiVersion"] == "keda.sh/v1alpha1"
        SCALED_OBJECT.validate(document)
    else:
        kubernetes_validate.validate(document, KUBERNETES, strict=True)


@pytest.mark.parametrize("document", DOCUMENTS)
def test_each_object_is_valid_at_the_pinned_version(document):
    validate(document)


def first(kind: str) -> dict:
    return copy.deepcopy(next(d for d in render("cpu") if d["kind"] == kind))


def test_a_misplaced_field_is_refused():
    """The check itself: a probe under the pod spec instead of the container is invalid."""
    broken = first("Deployment")
    broken["spec"]["template"]["spec"]["readinessProbe"] = {"httpGet": {"path": "/", "port": 80}}
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(broken)


def test_a_misspelt_scaled_object_field_is_refused():
    """The CRD check itself: the HPA's `minReplicas` is not a ScaledObject field, and a
    trigger's metadata holds strings only."""
    broken = first("ScaledObject")
    broken["spec"]["minReplicas"] = 0
    with pytest.raises(jsonschema.ValidationError):
        validate(broken)
    broken = first("ScaledObject")
    broken["spec"]["triggers"][0]["metadata"]["lagThreshold"] = 1
    with pytest.raises(jsonschema.ValidationError):
        validate(broken)
