"""Declare the streams (the operator's bootstrap, as `admin`) and a service's durable consumers
(the service itself); check that what the server holds is what the topology says.

A service only reads the streams' settings: its bus user may not create, update, delete or
purge a stream (contracts.bus.permissions), so a compromised service cannot shrink them.
"""

from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig
from nats.js.errors import APIError, BucketNotFoundError, NotFoundError
from nats.js.kv import KeyValue

from contracts.bus.topology import Topology


class TopologyMismatch(RuntimeError):
    """The server lacks a stream or bucket, or holds one whose settings differ from ours."""


BOOTSTRAP = (
    "the operator's bootstrap declares it: `python -m contracts.bus.bootstrap` with the admin "
    "user (`make run` and the deploy/ manifests run it before the services)"
)


_STREAM_FIELDS = (
    "subjects",
    "retention",
    "storage",
    "num_replicas",
    "max_age",
    "duplicate_window",
    "discard",
    "max_msgs",
    "max_bytes",
    "max_msgs_per_subject",
)
_CONSUMER_FIELDS = ("filter_subject", "filter_subjects", "ack_policy", "ack_wait", "max_deliver")


async def declare_streams(js: JetStreamContext, topology: Topology) -> None:
    """Create or update the streams (needs the `admin` user), then check them."""
    for wanted in topology.stream_configs():
        try:
            await js.stream_info(wanted.name)
        except NotFoundError:
            await js.add_stream(wanted)
        else:
            try:
                await js.update_stream(wanted)
            except APIError as exc:  # e.g. retention cannot change on a live stream
                raise TopologyMismatch(
                    f"stream {wanted.name}: the server refused our settings: {exc.description}"
                ) from exc
        held = (await js.stream_info(wanted.name)).config
        _check(f"stream {wanted.name}", wanted, held, _STREAM_FIELDS)


async def check_streams(js: JetStreamContext, topology: Topology) -> None:
    """Refuse to go on unless every stream exists with our settings (a service's start-up)."""
    for wanted in topology.stream_configs():
        try:
            held = (await js.stream_info(wanted.name)).config
        except NotFoundError:
            raise TopologyMismatch(f"stream {wanted.name} does not exist: {BOOTSTRAP}") from None
        _check(f"stream {wanted.name}", wanted, held, _STREAM_FIELDS)


async def bind_key_value(js: JetStreamContext, bucket: str) -> KeyValue:
    try:
        return await js.key_value(bucket)
    except BucketNotFoundError:
        raise TopologyMismatch(f"key-value bucket {bucket} does not exist: {BOOTSTRAP}") from None


async def declare_consumer(js: JetStreamContext, stream: str, wanted: ConsumerConfig) -> None:
    """Create the durable consumer, or update it to our settings; fail loudly if we cannot."""
    await js.add_consumer(stream, wanted)
    held = (await js.consumer_info(stream, wanted.durable_name)).config
    _check(f"consumer {wanted.durable_name}", wanted, held, _CONSUMER_FIELDS)


def _check(what: str, wanted, held, fields: tuple[str, ...]) -> None:
    for name in fields:
        want, have = getattr(wanted, name), getattr(held, name)
        if want is not None and want != have:
            raise TopologyMismatch(f"{what}: {name} is {have!r} on the server, expected {want!r}")
