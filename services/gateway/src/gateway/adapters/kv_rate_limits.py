"""Token buckets in a JetStream key-value bucket, so every gateway replica counts the same
requests: one key per bucket holding its theoretical arrival time, updated by
compare-and-set (a lost race is tried again with the new value).

The last value and revision this replica wrote are remembered, so a request usually costs
one round trip (the update); when another replica wrote since, the update fails and the key
is read. A remembered value is never newer than the stored one, so it may let a request
through that the store then refuses, but never refuses one that the store would allow.

A request that loses the race ATTEMPTS times running is refused (429, retry in a moment):
letting it through uncounted is what let 40 connections take almost three times their due.
When the bus does not answer, requests pass: a rate limit must never take the API down.
"""

import hashlib

import structlog
from nats.js.errors import (
    BadRequestError,
    KeyNotFoundError,
    KeyWrongLastSequenceError,
)
from nats.js.kv import KeyValue

from contracts.bus import EventBus
from contracts.bus.declare import bind_key_value
from gateway.domain import rate_limits
from gateway.domain.rate_limits import Rule, Verdict

log = structlog.get_logger("aitrain.rate_limits")
ATTEMPTS = 4
CACHE_SIZE = 10_000


class KvRateLimits:
    def __init__(self, bus: EventBus):
        self.bus = bus
        self.kv: KeyValue | None = None
        self._written: dict[str, tuple[float, int]] = {}

    @property
    def bucket(self) -> str:
        return self.bus.topology.key_value_bucket("rate_limits")

    async def open(self) -> None:
        """Bind the key-value bucket the operator's bootstrap made (TopologyMismatch if none)."""
        self.kv = await bind_key_value(self.bus.broker.config.connection_state.stream, self.bucket)

    async def take(self, key: str, rule: Rule, now: float) -> Verdict:
        name = f"{rule.name}.{hashlib.sha256(key.encode()).hexdigest()[:32]}"
        try:
            for attempt in range(ATTEMPTS):
                verdict = await self._try(name, rule, now, remembered=attempt == 0)
                if verdict is not None:
                    return verdict
            log.warning("rate_limit.contended", rule=rule.name)
            return rate_limits.contended(rule, now)
        except Exception as error:  # noqa: BLE001 — the bus away: let the request through
            log.warning("rate_limit.unavailable", error=type(error).__name__)
        return rate_limits.take(rule, None, now)

    async def _try(self, name: str, rule: Rule, now: float, remembered: bool) -> Verdict | None:
        if remembered and name in self._written:
            stored, revision = self._written[name]
        else:
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
                revision = await self.kv.create(name, value)
            else:
                revision = await self.kv.update(name, value, last=revision)
        except (KeyWrongLastSequenceError, BadRequestError):
            self._written.pop(name, None)
            return None  # another request got there first (or the key expired)
        if len(self._written) >= CACHE_SIZE:
            self._written.clear()
        self._written[name] = (verdict.tat, revision)
        return verdict
