"""Benchmark: GenerationRequested → CreditsDebited through the real bus and store.

Starts NATS (JetStream) and the MongoDB wire-protocol server on free ports, runs billing as
its own process (`python -m billing`), tops up accounts, then
  1. saturation: publishes N requests as fast as it can and times how fast debits come back;
  2. steady load: publishes at a fixed rate and reports latency percentiles at that rate.
Prints figures; asserts nothing.
Usage: python scripts/bench_billing.py [--n 3000] [--rate 300] [--seconds 10]
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nats

from aitrain_local import servers
from aitrain_local.process import ChildProcess, free_port
from contracts.bus import Topology, connect_bus
from contracts.bus.bootstrap import bootstrap_at
from contracts.events import CreditsDebited, CreditsPurchased, GenerationRequested
from contracts.events.common import GenerationSettings, GenerationSpec
from contracts.logs import configure_logging

ACCOUNTS = 50


def request(n: int) -> GenerationRequested:
    spec = GenerationSpec(
        model_id="mdl-bench",
        weights_key="accounts/bench/models/mdl-bench/lora.safetensors",
        keyword="custombenchmodel",
        prompt="custombenchmodel on a beach",
        settings=GenerationSettings(num_outputs=1),
    )
    return GenerationRequested.new(
        account_id=f"acct-{n % ACCOUNTS}", generation_id=f"gen-{n}", spec=spec
    )


class Watch:
    """Times from publishing each request to seeing its CreditsDebited (core subscription)."""

    def __init__(self) -> None:
        self.sent: dict[str, float] = {}
        self.latency: dict[str, float] = {}
        self.last = 0.0

    def on_debit(self, msg) -> None:
        generation_id = json.loads(msg.data)["generation_id"]
        now = time.perf_counter()
        if generation_id in self.sent and generation_id not in self.latency:
            self.latency[generation_id] = now - self.sent[generation_id]
            self.last = now


async def wait_for(watch: Watch, count: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while len(watch.latency) < count and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.01)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else 0.0


async def run(nats_url: str, topology: Topology, n: int, rate: float, seconds: float) -> None:
    bus = connect_bus("bench", nats_url, topology)
    bus.produces(GenerationRequested, CreditsPurchased)
    await bus.prepare()
    watch = Watch()
    nc = await nats.connect(nats_url)

    async def on_debit(msg):
        watch.on_debit(msg)

    await nc.subscribe(topology.subject(CreditsDebited), cb=on_debit)
    for account in range(ACCOUNTS):
        top_up = CreditsPurchased.new(
            account_id=f"acct-{account}", purchase_id=f"p{account}", credits=10**9, reason="bench"
        )
        await bus.publish(top_up)

    # warm-up, so start-up costs do not count
    for i in range(50):
        event = request(10_000_000 + i)
        watch.sent[event.generation_id] = time.perf_counter()
        await bus.publish(event)
    await wait_for(watch, 50, 60)
    watch.sent.clear()
    watch.latency.clear()

    started = time.perf_counter()
    for i in range(n):
        event = request(i)
        watch.sent[event.generation_id] = time.perf_counter()
        await bus.publish(event)
    await wait_for(watch, n, 300)
    done = len(watch.latency)
    throughput = done / (watch.last - started)
    print(
        f"saturation: {done}/{n} debits in {watch.last - started:.2f} s = {throughput:.0f} debits/s"
    )

    watch.sent.clear()
    watch.latency.clear()
    steady = int(rate * seconds)
    interval = 1 / rate
    started = time.perf_counter()
    for i in range(steady):
        target = started + i * interval
        if (pause := target - time.perf_counter()) > 0:
            await asyncio.sleep(pause)
        event = request(n + i)
        watch.sent[event.generation_id] = time.perf_counter()
        await bus.publish(event)
    await wait_for(watch, steady, 120)
    values = list(watch.latency.values())
    achieved = len(values) / (watch.last - started)
    print(
        f"steady {rate:.0f}/s for {seconds:g} s: {len(values)}/{steady} debited, "
        f"{achieved:.0f} debits/s, "
        f"latency p50 {percentile(values, 50):.1f} ms, p99 {percentile(values, 99):.1f} ms, "
        f"max {max(values) * 1000:.1f} ms"
    )
    await nc.close()
    await bus.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--seconds", type=float, default=10, help="of the steady load")
    args = parser.parse_args()
    configure_logging("bench", "WARNING")
    data = Path(tempfile.mkdtemp(prefix="aitrain-bench-"))
    nats_port, mongo_port = free_port(), free_port()
    nats_url, mongo_url = f"nats://127.0.0.1:{nats_port}", f"mongodb://127.0.0.1:{mongo_port}"
    processes = [
        servers.nats_server(data, nats_port, data / "logs"),
        servers.mongo_server(data, mongo_port, data / "logs"),
    ]
    for process in processes:
        process.start()
    processes[0].wait_ready(lambda: servers.nats_ready(nats_url), 60)
    processes[1].wait_ready(lambda: servers.mongo_ready(mongo_url), 60)
    topology = Topology(prefix="bench")
    asyncio.run(bootstrap_at(nats_url, topology))  # the operator's part: billing only checks
    env = {"NATS_URL": nats_url, "MONGO_URL": mongo_url, "AITRAIN_BUS_PREFIX": "bench",
           "AITRAIN_DB_PREFIX": "bench", "LOG_LEVEL": "WARNING"}  # fmt: skip
    billing = ChildProcess("billing", [sys.executable, "-m", "billing"], data / "billing.log", env)
    billing.start()
    try:
        time.sleep(3)  # its lifespan declares the consumer; requests wait in the stream anyway
        print(f"machine: {os.cpu_count()} cores; billing: 1 process; {ACCOUNTS} accounts")
        asyncio.run(run(nats_url, topology, args.n, args.rate, args.seconds))
    finally:
        billing.stop()
        for process in reversed(processes):
            process.stop()
        subprocess.run(["rm", "-rf", str(data)], check=False)


if __name__ == "__main__":
    main()
