"""deploy/compose/docker-compose.yml is a valid Compose file: checked against the Compose
Specification's JSON schema, vendored in schemas/ from compose-spec/compose-spec
schema/compose-spec.json at commit a08f8d51631b7127ddac3d2c65537db429d0f1d0 (2025-10-28)."""

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

HERE = Path(__file__).parent
SCHEMA = json.loads((HERE / "schemas" / "compose-spec.json").read_text())
COMPOSE = yaml.safe_load(
    (HERE.parents[1] / "deploy" / "compose" / "docker-compose.yml").read_text()
)
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)


def test_the_compose_file_follows_the_compose_specification():
    VALIDATOR.validate(COMPOSE)


def test_a_misspelt_compose_field_is_refused():
    """The check itself: a service's `enviroment` and a bare number as an interval are refused."""
    broken = copy.deepcopy(COMPOSE)
    broken["services"]["billing"]["enviroment"] = broken["services"]["billing"].pop("environment")
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(broken)
    broken = copy.deepcopy(COMPOSE)
    broken["services"]["nats"]["healthcheck"]["interval"] = 5
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(broken)
