"""Probes of the gateway's dependencies, each bounded in time, for GET /healthz."""

import asyncio
import time
from collections.abc import Awaitable, Callable

from minio import Minio
from nats.js.api import StreamInfo
from pymongo import AsyncMongoClient

from contracts.bus import EventBus

PROBE_TIMEOUT_S = 2.0
Check = Callable[[], Awaitable[str]]


def checks(bus: EventBus, mongo: AsyncMongoClient, storage: Minio, bucket: str) -> dict[str, Check]:
    async def nats() -> str:
        js = bus.broker.config.connection_state.stream
        info = await js.stream_info(bus.topology.event_stream)
        return f"stream {info.config.name}: {info.state.messages} messages{_cluster(info)}"

    async def mongo_ping() -> str:
        await mongo.admin.command("ping")
        return "ping ok"

    async def s3() -> str:
        if not await asyncio.to_thread(storage.bucket_exists, bucket):
            raise RuntimeError(f"bucket {bucket!r} is missing")
        return f"bucket {bucket}"

    return {"nats": nats, "mongo": mongo_ping, "s3": s3}


def _cluster(info: StreamInfo) -> str:
    """Where the stream lives on a NATS cluster: its leader and how each replica keeps up
    (a replica that is offline or behind still leaves a quorum, so the probe stays ok)."""
    cluster = info.cluster
    if cluster is None or not cluster.leader:
        return ""
    peers = ", ".join(
        f"{peer.name} {'offline' if peer.offline else 'current' if peer.current else 'behind'}"
        for peer in cluster.replicas or []
    )
    return f"; cluster {cluster.name}: leader {cluster.leader}" + (
        f", replicas {peers}" if peers else ""
    )


async def probe(check: Check) -> dict:
    started = time.perf_counter()
    try:
        detail = await asyncio.wait_for(check(), PROBE_TIMEOUT_S)
        ok = True
    except Exception as exc:  # noqa: BLE001 — any failure is what the report must show
        detail, ok = (
            f"{type(exc).__name__}: {str(exc) or f'no answer in {PROBE_TIMEOUT_S}s'}",
            False,
        )
    latency_ms = round((time.perf_counter() - started) * 1000, 1)
    return {"ok": ok, "detail": detail, "latency_ms": latency_ms}


async def report(named: dict[str, Check]) -> dict:
    results = await asyncio.gather(*(probe(check) for check in named.values()))
    found = dict(zip(named, results, strict=True))
    healthy = all(c["ok"] for c in found.values())
    return {"status": "ok" if healthy else "unhealthy", "dependencies": found}
