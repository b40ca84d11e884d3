"""Streams, subjects, key-value buckets and consumer settings: written here once, declared
by the operator's bootstrap (contracts.bus.bootstrap), checked by every service at start-up.

The event stream uses limits retention (never work-queue): analytics and other outside
subscribers read it with durable consumers of their own. Dead letters go to a stream of
their own so that replaying events never replays them.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    KeyValueConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)

from contracts.envelope import Event

DAY_S = 24 * 3600.0
RATE_LIMITS_KEEP_S = 15 * 60.0
"""A rate limit's count outlives any bucket's time to fill up again, then expires."""


@dataclass(frozen=True)
class ConsumerDefaults:
    ack_wait_s: float = 30.0
    """A handler that runs longer must send in_progress() heartbeats (see Delivery.keep_leased)."""
    max_attempts: int = 5
    """Handler runs per message; after the last failure the message goes to the dead letters."""
    retry_delays_s: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0)
    """nack delay after the 1st, 2nd, ... transient failure (the last repeats)."""

    def retry_delay(self, attempt: int) -> float:
        return self.retry_delays_s[min(attempt, len(self.retry_delays_s)) - 1]


@dataclass(frozen=True)
class Topology:
    """Names of everything on the bus. `prefix` lets tests run side by side on one server."""

    prefix: str = "aitrain"
    duplicate_window_s: float = 120.0
    event_max_age_s: float = 30 * DAY_S
    dead_letter_max_age_s: float = 90 * DAY_S
    storage: StorageType = StorageType.FILE
    replicas: int = 1
    """Stream replicas: 1 on one machine, 3 on a production NATS cluster."""
    consumers: ConsumerDefaults = field(default_factory=ConsumerDefaults)

    @property
    def event_stream(self) -> str:
        return f"{self.prefix.upper()}_EVENTS"

    @property
    def dead_letter_stream(self) -> str:
        return f"{self.prefix.upper()}_DEAD_LETTERS"

    def subject(self, event: type[Event]) -> str:
        return f"{self.prefix}.{event.subject_suffix()}"

    def dead_letter_subject(self, durable: str) -> str:
        return f"{self.prefix}_dlq.{durable}"

    def replay_subject(self, durable: str) -> str:
        """Core NATS request-reply: the owner of `durable` replays one of its dead letters."""
        return f"{self.prefix}_replay.{durable}"

    def key_value_bucket(self, name: str) -> str:
        """A JetStream key-value bucket of this platform (contracts.bus.permissions)."""
        return f"{self.prefix}_{name}"

    def replica_subject(self, service: str, key: str) -> str:
        """Core NATS: a note every replica of `service` hears (EventBus.tell_replicas)."""
        return f"{self.prefix}_replicas.{service}.{key}"

    def query_subject(self, service: str, query: str) -> str:
        """Core NATS request-reply; outside the event stream's subjects on purpose."""
        return f"{self.prefix}_query.{service}.{query}"

    def stream_configs(self) -> list[StreamConfig]:
        return [
            self._stream(self.event_stream, f"{self.prefix}.*.*.*", self.event_max_age_s),
            self._stream(
                self.dead_letter_stream, f"{self.prefix}_dlq.>", self.dead_letter_max_age_s
            ),
        ]

    def _stream(self, name: str, subjects: str, max_age_s: float) -> StreamConfig:
        return StreamConfig(
            name=name,
            subjects=[subjects],
            retention=RetentionPolicy.LIMITS,
            storage=self.storage,
            num_replicas=self.replicas,
            discard=DiscardPolicy.OLD,
            max_age=max_age_s,
            # no count or size limit: events age out, never get pushed out (checked at start)
            max_msgs=-1,
            max_bytes=-1,
            max_msgs_per_subject=-1,
            duplicate_window=self.duplicate_window_s,
        )

    def key_value_configs(self) -> list[KeyValueConfig]:
        """The buckets services keep (contracts.bus.permissions.KEY_VALUE)."""
        rate_limits = KeyValueConfig(
            bucket=self.key_value_bucket("rate_limits"),
            history=1,
            ttl=RATE_LIMITS_KEEP_S,
            storage=StorageType.MEMORY,  # losing the counts in a restart is harmless
            replicas=self.replicas,
        )
        return [rate_limits]

    def consumer_config(self, durable: str, events: Sequence[type[Event]]) -> ConsumerConfig:
        # One more server delivery than handler attempts: the extra one only routes a message
        # whose handler crashed every time (no chance to nack) to the dead letters.
        subjects = sorted(self.subject(event) for event in events)
        return ConsumerConfig(
            durable_name=durable,
            name=durable,
            filter_subject=subjects[0] if len(subjects) == 1 else None,
            filter_subjects=subjects if len(subjects) > 1 else None,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.consumers.ack_wait_s,
            max_deliver=self.consumers.max_attempts + 1,
            max_ack_pending=1000,
        )
