"""The committed AsyncAPI documents match what the FastStream apps generate now."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("write_asyncapi", ROOT / "scripts/write_asyncapi.py")
write_asyncapi = importlib.util.module_from_spec(spec)
spec.loader.exec_module(write_asyncapi)


@pytest.mark.parametrize("service", write_asyncapi.SERVICES)
def test_asyncapi_document_is_current(service):
    committed = (write_asyncapi.OUT / f"{service}.json").read_text()
    assert committed == write_asyncapi.document(service), "stale: run `make asyncapi`"


def test_every_event_is_documented_by_the_service_that_produces_it():
    import json

    from contracts.events import ALL_EVENTS

    documented = set()
    for service in write_asyncapi.SERVICES:
        doc = json.loads((write_asyncapi.OUT / f"{service}.json").read_text())
        documented |= set(doc["components"]["schemas"])
    assert {event.__name__ for event in ALL_EVENTS} <= documented
