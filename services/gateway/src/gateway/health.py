"""Probes of the gateway's dependencies, each bounded in time, for GET /healthz."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from minio import Minio
from pymongo import AsyncMongoClient

from contracts.bus import EventBus

PROBE_TIMEOUT_S = 2.0


@dataclass
class Dependencies:
    bus: EventBus
    mongo: AsyncMongoClient
    storage: Minio
    bucket: str


async def check_nats(deps: Dependencies) -> str:
    js = deps.bus.broker.config.connection_state.stream
    info = await js.stream_info(deps.bus.topology.event_stream)
    return f"stream {info.config.name}: {info.state.messages} messages"


async def check_mongo(deps: Dependencies) -> str:
    await deps.mongo.admin.command("ping")
    return "ping ok"


async def check_s3(deps: Dependencies) -> str:
    if not await asyncio.to_thread(deps.storage.bucket_exists, deps.bucket):
        raise RuntimeError(f"bucket {deps.bucket!r} is missing")
    return f"bucket {deps.bucket}"


CHECKS: dict[str, Callable[[Dependencies], Awaitable[str]]] = {
    "nats": check_nats,
    "mongo": check_mongo,
    "s3": check_s3,
}


async def probe(name: str, deps: Dependencies) -> dict:
    started = time.perf_counter()
    try:
        detail = await asyncio.wait_for(CHECKS[name](deps), PROBE_TIMEOUT_S)
        ok = True
    except Exception as exc:  # noqa: BLE001 — any failure is what the report must show
        detail, ok = f"{type(exc).__name__}: {exc or f'no answer in {PROBE_TIMEOUT_S}s'}", False
    latency_ms = round((time.perf_counter() - started) * 1000, 1)
    return {"ok": ok, "detail": detail, "latency_ms": latency_ms}


async def report(deps: Dependencies) -> dict:
    results = await asyncio.gather(*(probe(name, deps) for name in CHECKS))
    checks = dict(zip(CHECKS, results, strict=True))
    healthy = all(c["ok"] for c in checks.values())
    return {"status": "ok" if healthy else "unhealthy", "dependencies": checks}
