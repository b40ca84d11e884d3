"""A compromised service cannot touch the bus's streams. The attack that found it: with the
dataset service's credentials the event stream's `max_msgs` was set to 1, and 487 events became
one. Now only the operator's bootstrap (the `admin` user) declares the streams; with each
service's real credentials, creating, updating, deleting and purging either stream is refused,
and a service that finds the streams missing or changed refuses to start, saying why.
On the embedded NATS server with the users and permissions `make run` writes."""

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator

import nats
import pytest
from nats.errors import Error as NatsError
from nats.js.api import StreamConfig

from aitrain_local.testing import secured_nats
from contracts.bus import Topology, TopologyMismatch, bootstrap, connect_bus
from contracts.bus.permissions import PUBLISHES, SERVICES
from contracts.events import DatasetValidated

TOPOLOGY = Topology(prefix="attack")
ACTIONS = ("CREATE", "UPDATE", "DELETE", "PURGE")


@pytest.fixture(scope="module")
def secured(tmp_path_factory) -> Iterator[tuple[str, dict[str, str]]]:
    with secured_nats(tmp_path_factory.mktemp("attacked-nats"), TOPOLOGY) as (url, users):
        asyncio.run(_as_admin(url, users, lambda js: bootstrap(js, TOPOLOGY)))
        yield url, users


async def _as_admin(url: str, users: dict[str, str], act):
    nc = await nats.connect(url, user="admin", password=users["admin"])
    try:
        return await act(nc.jetstream())
    finally:
        await nc.close()


async def _refused(url: str, password: str, user: str, subjects: list[str]) -> list[str]:
    """Publish to each subject as `user`; the subjects the server refused."""
    refused: list[str] = []

    async def on_error(error: Exception) -> None:
        refused.append(str(error).lower())  # nats-py lower-cases the server's message

    nc = await nats.connect(url, user=user, password=password, error_cb=on_error)
    try:
        for subject in subjects:
            await nc.publish(subject, b"{}")
        await nc.flush()
        await asyncio.sleep(0.5)  # violations come back asynchronously
    finally:
        await nc.close()
    said = " ".join(refused)
    return sorted(s for s in subjects if f'"{s.lower()}"' in said)


@pytest.mark.parametrize("service", SERVICES)
async def test_a_service_may_not_create_update_delete_or_purge_a_stream(secured, service):
    url, users = secured
    streams = (TOPOLOGY.event_stream, TOPOLOGY.dead_letter_stream)
    wanted = sorted(f"$JS.API.STREAM.{a}.{s}" for s in streams for a in ACTIONS)
    assert await _refused(url, users[service], service, wanted) == wanted


async def test_the_dataset_service_cannot_shrink_the_event_stream(secured):
    url, users = secured
    subject = TOPOLOGY.subject(DatasetValidated)
    assert DatasetValidated in PUBLISHES["dataset"]
    nc = await nats.connect(url, user="dataset", password=users["dataset"])
    try:
        js = nc.jetstream(timeout=1.0)
        for n in range(5):
            await js.publish(subject, b"{}", headers={"Nats-Msg-Id": f"shrink-{n}"})
        held = (await js.stream_info(TOPOLOGY.event_stream)).config
        attack = StreamConfig.from_response(held.as_dict() | {"max_msgs": 1})
        with pytest.raises(NatsError):
            await js.update_stream(attack)
    finally:
        await nc.close()
    after = await _as_admin(url, users, lambda js: js.stream_info(TOPOLOGY.event_stream))
    assert after.config.max_msgs == -1
    assert after.state.messages >= 5


@pytest.fixture
def undeclared(tmp_path) -> Iterator[tuple[str, dict[str, str]]]:
    """A secured server of the test's own, where nobody has declared the streams yet."""
    with secured_nats(tmp_path / "nats", TOPOLOGY) as server:
        yield server


async def test_a_service_refuses_to_start_without_the_streams(undeclared):
    url, users = undeclared
    bus = connect_bus("billing", url, TOPOLOGY, username="billing", password=users["billing"])
    try:
        with pytest.raises(TopologyMismatch, match=r"does not exist.*bootstrap"):
            await bus.prepare()
    finally:
        await bus.stop()


async def test_a_service_refuses_to_start_on_a_changed_stream(undeclared):
    url, users = undeclared

    async def declare_then_shrink(js) -> None:  # what an operator's mistake would leave
        await bootstrap(js, TOPOLOGY)
        held = (await js.stream_info(TOPOLOGY.event_stream)).config
        await js.update_stream(StreamConfig.from_response(held.as_dict() | {"max_msgs": 1}))

    await _as_admin(url, users, declare_then_shrink)
    bus = connect_bus("billing", url, TOPOLOGY, username="billing", password=users["billing"])
    try:
        with pytest.raises(TopologyMismatch, match="max_msgs is 1 on the server, expected -1"):
            await bus.prepare()
    finally:
        await bus.stop()


async def test_the_gateway_refuses_to_start_without_its_key_value_bucket(undeclared):
    from gateway.adapters.kv_rate_limits import KvRateLimits

    url, users = undeclared
    bus = connect_bus("gateway", url, TOPOLOGY, username="gateway", password=users["gateway"])
    await bus.broker.connect()
    try:
        with pytest.raises(TopologyMismatch, match=r"key-value bucket .* does not exist"):
            await KvRateLimits(bus).open()
    finally:
        await bus.stop()


async def test_the_bootstrap_command_declares_what_the_services_check(undeclared):
    """What compose's `bus-bootstrap` and the k8s Job run, with the admin user's variables."""
    from gateway.adapters.kv_rate_limits import KvRateLimits

    url, users = undeclared
    admin = {"NATS_URL": url, "NATS_USER": "admin", "NATS_PASSWORD": users["admin"]}
    env = os.environ | admin | {"AITRAIN_BUS_PREFIX": TOPOLOGY.prefix}
    command = [sys.executable, "-m", "contracts.bus.bootstrap"]
    done = await asyncio.to_thread(subprocess.run, command, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert TOPOLOGY.event_stream in done.stdout
    gateway = connect_bus("gateway", url, TOPOLOGY, username="gateway", password=users["gateway"])
    try:
        await gateway.prepare()  # the streams are there, as the topology says
        await KvRateLimits(gateway).open()
    finally:
        await gateway.stop()
