"""The bus permissions (contracts.bus.permissions) name exactly what each service does on
the bus, as its AsyncAPI document (generated from its wiring, checked current elsewhere)
says: a publisher missing from them would be refused at run time, an extra one is a right
nobody needs."""

import json
from pathlib import Path

import pytest

from contracts.bus import Topology
from contracts.bus.permissions import (
    ANSWERS,
    DURABLES,
    LISTENS,
    PUBLISHES,
    SERVICES,
    service_permissions,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "asyncapi"


def operations(service: str) -> list[tuple[str, str]]:
    document = json.loads((DOCS / f"{service}.json").read_text())
    return [(op["action"], name) for name, op in document["operations"].items()]


@pytest.mark.parametrize("service", SERVICES)
def test_permissions_match_what_the_service_does(service):
    ops = operations(service)
    sends = {name.split(":", 1)[1] for action, name in ops if action == "send"}
    receives = [name.split(":", 1)[0] for action, name in ops if action == "receive"]
    assert sends == {event.__name__ for event in PUBLISHES[service]}
    durables = {r for r in receives if not r.endswith("-listen") and r != service}
    assert durables == set(DURABLES.get(service, ()))
    listened = {
        name.split(":", 1)[1] for action, name in ops if name.startswith(f"{service}-listen:")
    }
    assert listened == {event.__name__ for event in LISTENS.get(service, ())}
    answers = any(":query:" in name for _, name in ops)
    assert answers == (service in ANSWERS)
    replays = {name.split(":replay:", 1)[1] for _, name in ops if ":replay:" in name}
    assert replays == set(DURABLES.get(service, ()))  # each durable's dead letters replayable


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_listens_on_its_own_durables_replays_and_may_answer_them(service):
    topology = Topology()
    rules = service_permissions(service, topology)
    listened = {s for s in rules["subscribe"]["allow"] if s.startswith("aitrain_replay.")}
    assert listened == {topology.replay_subject(d) for d in DURABLES[service]}
    assert rules["allow_responses"] is True
    asks = topology.replay_subject(">") in rules["publish"]["allow"]
    assert asks == (service == "gateway")  # the admin API asks; services only answer
