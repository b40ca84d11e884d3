"""Who may do what on the bus: one NATS user per service, with least privilege.

A service may publish only its own events (billing alone states money outcomes; the gateway
alone states what users and the operator asked for), ack and dead-letter only for its own
durable consumers, and create or read only those consumers. No service may create, update,
delete or purge a stream: a service reads the streams' settings at start-up and refuses to run
on others; the operator's bootstrap declares them as `admin` (contracts.bus.bootstrap). A
service still declares its own durable consumers (FastStream binds them by name; a consumer
reaches only the messages of its own service).
Dead letters (contracts.bus.replay): a service answers replay requests for its own durables
only (and may answer each request once: `allow_responses`), reading the letter and dropping
it once handled; the gateway, for the operator, reads, drops and asks for replays. JetStream
names no consumer in a message get or delete, so those two reach every letter.
The gateway's replicas tell each other which views changed (`<prefix>_replicas.gateway.>`).
Besides the services:
- `admin`: everything (the bootstrap's stream and bucket declaration, operators' tools);
- `reader`: analytics subscribers; durable consumers of their own on the event stream, no
  publishing of events, no touching the services' consumers.

`authorization_block()` renders the NATS server configuration; `make run` writes it with
generated passwords, deploy/ with `$AITRAIN_NATS_<USER>_PASSWORD` references that the NATS
server reads from its environment (a Kubernetes Secret).
"""

import json
from collections.abc import Mapping

from contracts import events as ev
from contracts.bus.topology import Topology
from contracts.envelope import Event

PUBLISHES: dict[str, tuple[type[Event], ...]] = {
    "gateway": (
        ev.DatasetUploaded,
        ev.GenerationRequested,
        ev.TrainingCancelRequested,
        ev.ModelDeleted,
        ev.CreditsPurchased,
        ev.SubscriptionRequested,
    ),
    "dataset": (ev.DatasetValidated, ev.DatasetRejected),
    "billing": (
        ev.AccountChanged,
        ev.TrainingCharged,
        ev.TrainingChargeRejected,
        ev.TrainingRefunded,
        ev.CreditsDebited,
        ev.CreditsDebitRejected,
        ev.CreditsRefunded,
    ),
    "trainer": (
        ev.TrainingProgress,
        ev.TrainingCompleted,
        ev.TrainingFailed,
        ev.TrainingCancelled,
    ),
    "inference": (ev.ImageGenerated, ev.GenerationFailed),
}
DURABLES: dict[str, tuple[str, ...]] = {
    "gateway": ("gateway-views", "gateway-webhooks"),
    "dataset": ("dataset-dataset-uploaded",),
    "billing": ("billing-ledger",),
    "trainer": (
        "trainer-training-charged",
        "trainer-queue",
        "trainer-model-deleted",
        "trainer-training-cancel-requested",
    ),
    "inference": ("inference-credits-debited", "inference-model-deleted"),
}
LISTENS: dict[str, tuple[type[Event], ...]] = {
    "gateway": (
        ev.AccountChanged,
        ev.TrainingCharged,
        ev.TrainingRefunded,
        ev.CreditsDebited,
        ev.CreditsRefunded,
    )
}
"""Plain subscriptions (every instance hears each event)."""
ASKS: dict[str, tuple[str, ...]] = {"gateway": ("billing", "dataset")}
"""Whose queries a service asks."""
ANSWERS = ("billing", "dataset")
"""Services that answer queries."""
KEY_VALUE: dict[str, tuple[str, ...]] = {"gateway": ("rate_limits",)}
"""JetStream key-value buckets a service keeps (`<prefix>_<name>`; the bootstrap makes them)."""
REPLICAS_TOLD = ("gateway",)
"""Services whose replicas tell each other what changed (EventBus.tell_replicas)."""
DEAD_LETTER_DESK = ("gateway",)
"""Who lists, reads and drops any dead letter and asks owners to replay them (the admin API)."""
SERVICES = tuple(PUBLISHES)
USERS = ("admin", *SERVICES, "reader")

JS = "$JS.API"
INBOX = "_INBOX.>"  # replies: query answers, publish acks, pulled messages


def _stream_check(topology: Topology) -> list[str]:
    streams = (topology.event_stream, topology.dead_letter_stream)
    return [f"{JS}.INFO"] + [f"{JS}.STREAM.INFO.{stream}" for stream in streams]


def _consumer(topology: Topology, durable: str) -> list[str]:
    stream = topology.event_stream
    return [
        f"{JS}.CONSUMER.CREATE.{stream}.{durable}",
        f"{JS}.CONSUMER.CREATE.{stream}.{durable}.>",
        f"{JS}.CONSUMER.DURABLE.CREATE.{stream}.{durable}",
        f"{JS}.CONSUMER.INFO.{stream}.{durable}",
        f"{JS}.CONSUMER.MSG.NEXT.{stream}.{durable}",
        f"$JS.ACK.{stream}.{durable}.>",
        topology.dead_letter_subject(durable),
    ]


def _dead_letter_access(topology: Topology) -> list[str]:
    """Read one letter by id, delete one by id (nats-py's get_msg and delete_msg)."""
    stream = topology.dead_letter_stream
    return [f"{JS}.STREAM.MSG.GET.{stream}", f"{JS}.STREAM.MSG.DELETE.{stream}"]


def _key_value(bucket: str) -> list[str]:
    stream = f"KV_{bucket}"
    return [
        f"{JS}.STREAM.INFO.{stream}",
        f"{JS}.STREAM.MSG.GET.{stream}",
        f"{JS}.DIRECT.GET.{stream}.>",
        f"$KV.{bucket}.>",
    ]


def service_permissions(service: str, topology: Topology) -> dict:
    durables = DURABLES.get(service, ())
    publish = [topology.subject(event) for event in PUBLISHES[service]]
    publish += _stream_check(topology)
    for durable in durables:
        publish += _consumer(topology, durable)
    if durables or service in DEAD_LETTER_DESK:
        publish += _dead_letter_access(topology)
    publish += [topology.replay_subject(">")] if service in DEAD_LETTER_DESK else []
    publish += [topology.query_subject(asked, "*") for asked in ASKS.get(service, ())]
    publish += [INBOX] if service in ANSWERS else []
    for name in KEY_VALUE.get(service, ()):
        publish += _key_value(topology.key_value_bucket(name))
    subscribe = [INBOX] + [topology.subject(event) for event in LISTENS.get(service, ())]
    if service in REPLICAS_TOLD:
        publish += [topology.replica_subject(service, ">")]
        subscribe += [topology.replica_subject(service, ">")]
    subscribe += [topology.query_subject(service, "*")] if service in ANSWERS else []
    subscribe += [topology.replay_subject(durable) for durable in durables]
    rules: dict = {"publish": {"allow": publish}, "subscribe": {"allow": subscribe}}
    if durables:  # the one answer to each replay request received, and nothing more
        rules["allow_responses"] = True
    return rules


def reader_permissions(topology: Topology) -> dict:
    stream = topology.event_stream
    consumers = [
        f"{JS}.CONSUMER.{action}.{stream}" for action in ("*", "MSG.NEXT", "DURABLE.CREATE")
    ]
    theirs = [d for durables in DURABLES.values() for d in durables]
    return {
        "publish": {
            "allow": [f"{JS}.INFO", f"{JS}.STREAM.INFO.{stream}", f"$JS.ACK.{stream}.>"]
            + [f"{JS}.CONSUMER.*.{stream}"]
            + [f"{prefix}.>" for prefix in consumers],
            "deny": [f"$JS.ACK.{stream}.{durable}.>" for durable in theirs]
            + [
                f"{prefix}.{durable}{tail}"
                for prefix in consumers
                for durable in theirs
                for tail in ("", ".>")
            ],
        },
        "subscribe": {"allow": [INBOX]},
    }


def permissions(user: str, topology: Topology) -> dict | None:
    """A user's NATS permissions; None for `admin` (all)."""
    if user == "admin":
        return None
    return reader_permissions(topology) if user == "reader" else service_permissions(user, topology)


def authorization_block(topology: Topology, passwords: Mapping[str, str]) -> str:
    """The `authorization { users = [...] }` of a NATS server configuration. A password that
    starts with `$` is written as a variable reference (read from the server's environment)."""
    users = []
    for user in USERS:
        password = passwords[user]
        secret = password if password.startswith("$") else json.dumps(password)
        entry = f'    {{user: "{user}", password: {secret}'
        rules = permissions(user, topology)
        rules_text = json.dumps(rules, indent=2).replace("\n", "\n    ")
        entry += f", permissions: {rules_text}}}" if rules else "}"
        users.append(entry)
    return "authorization {\n  users = [\n" + ",\n".join(users) + "\n  ]\n}\n"


def password_variable(user: str) -> str:
    """The environment variable a deployed NATS server reads a user's password from."""
    return f"$AITRAIN_NATS_{user.upper()}_PASSWORD"
