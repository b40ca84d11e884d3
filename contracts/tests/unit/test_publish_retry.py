"""A publish that finds no stream leader (a NATS node died; the cluster elects another) is sent
again with the same Nats-Msg-Id, and gives up with the error when no leader comes back."""

import json
from pathlib import Path

import pytest
from faststream.nats import NatsBroker
from nats.js.errors import NoStreamResponseError

from contracts import events as ev
from contracts.bus import Topology
from contracts.bus import bus as bus_module
from contracts.bus.bus import EventBus

GOLDEN = Path(__file__).parents[1] / "golden" / "ModelDeleted.json"


class LeaderlessFor:
    """A publisher whose stream answers no PubAck for the first `failures` tries."""

    def __init__(self, failures: int):
        self.failures = failures
        self.sent: list[dict] = []

    async def publish(self, body, headers, correlation_id) -> None:
        self.sent.append(headers)
        if len(self.sent) <= self.failures:
            raise NoStreamResponseError


def bus_with(publisher: LeaderlessFor, monkeypatch) -> EventBus:
    monkeypatch.setattr(bus_module, "_PUBLISH_RETRY_DELAYS_S", (0.0, 0.0, 0.0))
    bus = EventBus("test", NatsBroker(), Topology())
    bus._publishers[ev.ModelDeleted] = publisher
    return bus


async def test_a_publish_is_repeated_until_a_leader_answers(monkeypatch):
    publisher = LeaderlessFor(failures=2)
    event = ev.ModelDeleted.model_validate(json.loads(GOLDEN.read_text()))
    await bus_with(publisher, monkeypatch).publish(event)
    assert publisher.sent == [{"Nats-Msg-Id": event.event_id}] * 3


async def test_it_gives_up_with_the_error_when_none_answers(monkeypatch):
    publisher = LeaderlessFor(failures=10)
    event = ev.ModelDeleted.model_validate(json.loads(GOLDEN.read_text()))
    with pytest.raises(NoStreamResponseError):
        await bus_with(publisher, monkeypatch).publish(event)
    assert len(publisher.sent) == 4  # the first try and one per delay
