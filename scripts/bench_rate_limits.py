"""Does a rate limit hold when many requests of one key come at once? Runs the gateway's
limiter (gateway.adapters.kv_rate_limits) on two replicas sharing the key-value bucket on a
NATS server of its own, with 1, 10 and 40 connections sending one key's requests as fast as
they are answered, and prints for each how many were allowed against how many were due (the
burst plus what refilled meanwhile). Target (issue 32): allowed never above due + 1 (it was
375 allowed where about 143 were due at 40 connections before the fix).

    .venv/bin/python scripts/bench_rate_limits.py [--seconds 5] [--connections 1 10 40]
"""

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path

from aitrain_local import servers
from aitrain_local.process import free_port
from contracts.bus import Topology, connect_bus
from contracts.bus.bootstrap import bootstrap_at
from contracts.logs import configure_logging
from gateway.adapters.kv_rate_limits import KvRateLimits
from gateway.domain.rate_limits import Rule

RULE = Rule("contended", limit=600, period_s=60.0, burst=20)  # ten a second, twenty at once
KEY = "address:203.0.113.7"


async def contend(nats_url: str, connections: int, seconds: float) -> dict[str, float]:
    """Allowed, refused and due for `connections` connections over `seconds`, on two
    gateway replicas (connections alternate between them) of a fresh topology."""
    topology = Topology(prefix=f"b{uuid.uuid4().hex[:12]}")
    await bootstrap_at(nats_url, topology)
    buses = [connect_bus("gateway", nats_url, topology) for _ in range(2)]
    replicas = []
    for bus in buses:
        await bus.broker.connect()
        replicas.append(KvRateLimits(bus))
        await replicas[-1].open()
    counts = {"allowed": 0, "refused": 0}

    async def connection(limits: KvRateLimits, until: float) -> None:
        while time.time() < until:
            verdict = await limits.take(KEY, RULE, time.time())
            counts["allowed" if verdict.allowed else "refused"] += 1

    started = time.time()
    try:
        await asyncio.gather(
            *(connection(replicas[n % 2], started + seconds) for n in range(connections))
        )
    finally:
        for bus in buses:
            await bus.broker.stop()
    return counts | {"due": RULE.burst + (time.time() - started) / RULE.interval_s}


async def run(seconds: float, connection_counts: list[int]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        server = servers.nats_server(Path(folder), port, Path(folder) / "logs")
        server.start()
        url = f"nats://127.0.0.1:{port}"
        try:
            server.wait_ready(lambda: servers.nats_ready(url), 30)
            print(f"rule: {RULE.limit}/{RULE.period_s:.0f} s, burst {RULE.burst}; {seconds} s each")
            print(f"{'connections':>11} {'allowed':>8} {'due':>6} {'refused':>8}")
            for connections in connection_counts:
                seen = await contend(url, connections, seconds)
                print(f"{connections:>11} {seen['allowed']:>8} {seen['due']:>6.0f} "
                      f"{seen['refused']:>8}")  # fmt: skip
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 10, 40])
    args = parser.parse_args()
    configure_logging("bench", "ERROR")  # not a warning per lost race
    asyncio.run(run(args.seconds, args.connections))


if __name__ == "__main__":
    main()
