"""Token buckets in a JetStream key-value bucket, so every gateway replica counts the same
requests: one key per bucket holding its theoretical arrival time, updated by
compare-and-set (a lost race is tried again with the new value).

When the bus does not answer, requests pass: a rate limit must never take the API down.
"""

import hashlib

import structlog
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from contracts.bus import EventBus
from gateway.domain import rate_limits
from gateway.domain.rate_limits import Rule, Verdict

log = structlog.get_logger("aitrain.rate_limits")
ATTEMPTS = 4
KEEP_S = 15 * 60.0  # longer than any bucket takes to fill up again


class KvRateLimits:
    def __init__(self, bus: EventBus):
        self.bus = bus
        self.kv: KeyValue | None = None

    @property
    def bucket(self) -> str:
        return self.bus.topology.key_value_bucket("rate_limits")

    async def open(self) -> None:
        """Create the key-value bucket, or bind the one another replica made."""
        js = self.bus.broker.config.connection_state.stream
        try:
            self.kv = await js.key_value(self.bucket)
        except BucketNotFoundError:
            config = KeyValueConfig(
                bucket=self.bucket,
                history=1,
                ttl=KEEP_S,
                storage=StorageType.MEMORY,  # losing the counts in a restart is harmless
                replicas=self.bus.topology.replicas,
            )
            self.kv = await js.create_key_value(config)

    async def take(self, key: str, rule: Rule, now: float) -> Verdict:
        name = f"{rule.name}.{hashlib.sha256(key.encode()).hexdigest()[:32]}"
        try:
            for _ in range(ATTEMPTS):
                verdict = await self._try(name, rule, now)
                if verdict is not None:
                    return verdict
            log.warning("rate_limit.contended", rule=rule.name)
        except Exception as error:  # noqa: BLE001 — the bus away: let the request through
            log.warning("rate_limit.unavailable", error=type(error).__name__)
        return rate_limits.take(rule, None, now)

    async def _try(self, name: str, rule: Rule, now: float) -> Verdict | None:
        try:
            entry = await self.kv.get(name)
            stored, revision = float(entry.value.decode()), entry.revision
        except KeyNotFoundError:
            stored, revision = None, None
        verdict = rate_limits.take(rule, stored, now)
        if not verdict.allowed:
            return verdict  # a refusal changes nothing
        value = repr(verdict.tat).encode()
        try:
            if revision is None:
                await self.kv.create(name, value)
            else:
                await self.kv.update(name, value, last=revision)
        except KeyWrongLastSequenceError:
            return None  # another request got there first
        return verdict
