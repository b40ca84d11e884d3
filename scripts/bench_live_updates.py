"""Benchmark: live updates (server-sent events) with many open streams and one training moving.

Starts NATS (JetStream) and the MongoDB wire-protocol server on free ports, runs the gateway
as its own process (with a pymongo command listener counting its database reads), makes
accounts and trainings in its database, opens N streams (one per training, 10 per account:
the per-account cap), then publishes a TrainingProgress every 0.25 s for one of them, as
the trainer would. For N in --streams it prints the gateway's database reads per second
and CPU while the streams are open, and p50/p99 from publishing a fact to its event
arriving at the stream that follows it. Prints figures; asserts nothing.
Usage: python scripts/bench_live_updates.py [--streams 500 1000] [--seconds 20]
"""

import argparse
import asyncio
import contextlib
import json
import os
import resource
import runpy
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

from pymongo import AsyncMongoClient, monitoring

READS = {"find", "aggregate", "count", "distinct", "getMore"}
PER_ACCOUNT = 10  # gateway.api.streams.MAX_STREAMS
FACT_EVERY_S = 0.25


class CountReads(monitoring.CommandListener):
    """In the gateway process: its database reads, written to a file every 0.2 s."""

    def __init__(self, path: str):
        self.reads, self.path = 0, Path(path)
        threading.Thread(target=self._write, daemon=True).start()

    def started(self, event) -> None:
        if event.command_name in READS:
            self.reads += 1

    def succeeded(self, event) -> None: ...
    def failed(self, event) -> None: ...

    def _write(self) -> None:
        while True:
            self.path.write_text(str(self.reads))
            time.sleep(0.2)


def serve_gateway() -> None:
    """`--gateway`: the gateway itself, its reads counted."""
    monitoring.register(CountReads(os.environ["BENCH_READS_FILE"]))
    sys.argv = ["gateway"]
    runpy.run_module("gateway", run_name="__main__")


def open_files() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def make_followers(mongo_url: str, db_name: str, streams: int) -> list[tuple[str, str]]:
    """(training id, API key) for each stream, every training running."""
    from gateway.adapters import create_indexes, mongo_stores
    from gateway.adapters.sealing import SecretBox, new_key
    from gateway.app.accounts import AccountKeys
    from gateway.app.outbox import outgoing
    from gateway.domain.records import Training
    from gateway.domain.statuses import TrainingStatus

    client = AsyncMongoClient(mongo_url)
    stores = mongo_stores(client[db_name], SecretBox(new_key("bench")))
    await create_indexes(stores)
    keys = AccountKeys(stores["accounts"])
    followers = []
    for n in range(streams):
        if n % PER_ACCOUNT == 0:
            made = await keys.create_account(str(uuid.uuid4()))
        now = datetime.now(UTC)
        training_id = f"trn-bench-{uuid.uuid4().hex[:12]}"
        training = Training(
            training_id, made.account_id, "ds-1", "object", f"kw{n}", TrainingStatus.TRAINING,
            now, now,
        )  # fmt: skip
        await stores["trainings"].create(training, outgoing())
        followers.append((training_id, made.key.plaintext))
    await client.close()
    return followers


class Stream:
    """One browser's EventSource, as raw HTTP/1.1 (the load generator must stay cheap)."""

    def __init__(self, port: int, training_id: str, token: str):
        self.port, self.training_id, self.token = port, training_id, token
        self.first = asyncio.Event()
        self.steps: dict[int, float] = {}  # progress step → when its event arrived

    async def run(self) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port, limit=2**20)
        writer.write(
            f"GET /v1/trainings/{self.training_id}/events HTTP/1.1\r\nHost: bench\r\n"
            f"Authorization: Bearer {self.token}\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        await writer.drain()
        try:
            while line := await reader.readline():
                if line.startswith(b"data: "):
                    now = time.perf_counter()
                    self.first.set()
                    progress = json.loads(line[6:]).get("progress") or {}
                    if "step" in progress:
                        self.steps.setdefault(progress["step"], now)
        finally:
            writer.close()


def answers(url: str) -> bool:
    """The gateway answers HTTP (here a 401: nobody signed in)."""
    with contextlib.suppress(urllib.error.HTTPError):
        urllib.request.urlopen(url, timeout=1)
    return True


def read_gauges(pid: int, reads_file: Path) -> tuple[int, float]:
    """The gateway's database reads so far, and its CPU seconds (user + system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return int(reads_file.read_text()), cpu


async def measure(env: dict, gateway, reads_file: Path, streams: int, seconds: float) -> None:
    from contracts.bus import Topology, connect_bus
    from contracts.events import TrainingProgress

    db_name = f"{env['AITRAIN_DB_PREFIX']}_gateway"
    followers = await make_followers(env["MONGO_URL"], db_name, streams)
    port = int(env["GATEWAY_PORT"])
    opened = [Stream(port, training_id, token) for training_id, token in followers]
    tasks = [asyncio.create_task(stream.run()) for stream in opened]
    await asyncio.wait_for(asyncio.gather(*(s.first.wait() for s in opened)), 120)
    await asyncio.sleep(2)  # the first reads (keys, records) are over
    trainer = connect_bus("trainer", env["NATS_URL"], Topology(prefix=env["AITRAIN_BUS_PREFIX"]))
    trainer.produces(TrainingProgress)
    await trainer.broker.connect()
    watched = opened[len(opened) // 2]
    account_id = followers[len(opened) // 2][0]
    sent: dict[int, float] = {}
    snapshot = (gateway.popen.pid, reads_file)
    (reads_before, cpu_before), started = read_gauges(*snapshot), time.time()
    step = 0
    while time.time() - started < seconds:
        step += 1
        fact = TrainingProgress.new(
            account_id=account_id, training_id=watched.training_id, step=step, total_steps=10**6
        )
        sent[step] = time.perf_counter()
        await trainer.publish(fact)
        await asyncio.sleep(FACT_EVERY_S)
    await asyncio.sleep(1)  # the last events arrive
    took = time.time() - started
    reads_after, cpu_after = read_gauges(*snapshot)
    reads, cpu = reads_after - reads_before, cpu_after - cpu_before
    latencies = sorted(
        (watched.steps[s] - sent[s]) * 1000 for s in sent if s in watched.steps
    )  # fmt: skip
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await trainer.broker.stop()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else None
    print(
        f"{streams:>5} streams | {reads / took:6.1f} reads/s "
        f"| gateway CPU {100 * cpu / took:5.1f} % "
        f"| fact→browser p50 {statistics.median(latencies):6.1f} ms p99 {p99:6.1f} ms "
        f"({len(latencies)}/{len(sent)} facts seen)"
    )


def main() -> int:
    if sys.argv[1:] == ["--gateway"]:
        open_files()
        serve_gateway()
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("--streams", type=int, nargs="+", default=[500, 1000])
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    open_files()
    from contracts.logs import configure_logging

    configure_logging("bench", "WARNING")

    from aitrain_local import servers
    from aitrain_local.process import ChildProcess, free_port
    from contracts.bus import Topology
    from contracts.bus.bootstrap import bootstrap_at
    from gateway.adapters.sealing import new_key

    data = Path(tempfile.mkdtemp(prefix="aitrain-bench-live-"))
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
    print(f"machine: {os.cpu_count()} cores; gateway: 1 process; a fact every {FACT_EVERY_S} s")
    try:
        for streams in args.streams:
            prefix = f"live{streams}"
            asyncio.run(bootstrap_at(nats_url, Topology(prefix=prefix)))
            reads_file = data / f"reads-{streams}"
            reads_file.write_text("0")
            env = {
                "NATS_URL": nats_url, "MONGO_URL": mongo_url, "AITRAIN_BUS_PREFIX": prefix,
                "AITRAIN_DB_PREFIX": prefix, "GATEWAY_PORT": str(free_port()),
                "S3_ENDPOINT": "http://127.0.0.1:1", "S3_SECRET_KEY": "unused",
                "AITRAIN_SECRET_KEYS": new_key("bench"), "AITRAIN_ADMIN_TOKEN": "bench",
                "RATE_LIMIT_SCALE": "0", "LOG_LEVEL": "WARNING",
                "BENCH_READS_FILE": str(reads_file),
            }  # fmt: skip
            argv = [sys.executable, __file__, "--gateway"]
            gateway = ChildProcess("gateway", argv, data / f"gateway-{streams}.log", env)
            gateway.start()
            url = f"http://127.0.0.1:{env['GATEWAY_PORT']}/v1/session"
            gateway.wait_ready(lambda url=url: answers(url), 60)
            try:
                asyncio.run(measure(env, gateway, reads_file, streams, args.seconds))
            finally:
                gateway.stop()
    finally:
        for process in reversed(processes):
            process.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
