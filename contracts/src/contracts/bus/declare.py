"""Create or update the streams and durable consumers, then check what the server holds."""

from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig
from nats.js.errors import APIError, NotFoundError

from contracts.bus.topology import Topology


class TopologyMismatch(RuntimeError):
    """The server holds a stream or consumer whose settings differ from ours."""


_STREAM_FIELDS = (
    "subjects",
    "retention",
    "storage",
    "num_replicas",
    "max_age",
    "duplicate_window",
)
_CONSUMER_FIELDS = ("filter_subject", "filter_subjects", "ack_policy", "ack_wait", "max_deliver")


async def declare_streams(js: JetStreamContext, topology: Topology) -> None:
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
