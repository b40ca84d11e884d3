"""The authenticated read path under load: `GET /v1/account` at a steady rate over several
connections, against a running platform (`RATE_LIMIT_SCALE=100 make run`: the default
limits would refuse one key's 2000 requests a minute, which is their job).

Open loop: each request is due at its time whether or not earlier ones answered, and its
latency counts from then, so a slow platform shows as latency rather than as a lower rate.
Prints p50/p90/p99/max and the answers' statuses. Target (issue 15): p99 under 50 ms at
200 requests/s on 2 cores.

    .venv/bin/python scripts/bench_read_path.py [--rate 200] [--seconds 10] [--connections 20]
"""

import argparse
import asyncio
import os
import statistics
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx


def admin_token() -> str:
    if token := os.environ.get("AITRAIN_ADMIN_TOKEN"):
        return token
    return (Path(os.environ.get("AITRAIN_DATA_DIR", ".data")) / "admin-token").read_text().strip()


async def account_key(url: str) -> str:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        made = await http.post("/v1/accounts", headers={"Authorization": f"Bearer {admin_token()}"})
        made.raise_for_status()
        return made.json()["api_key"]


async def worker(host: str, port: int, request: bytes, schedule: asyncio.Queue, seen: list):
    """One keep-alive connection, raw HTTP/1.1: the load generator must cost far less CPU
    than the platform it measures (both share the 2 cores)."""
    reader, writer = await asyncio.open_connection(host, port)
    while (due := await schedule.get()) is not None:
        if (delay := due - time.perf_counter()) > 0:
            await asyncio.sleep(delay)
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = int(head.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
        await reader.readexactly(length)
        # from when it was due, so time spent waiting for a free connection counts too
        seen.append(((time.perf_counter() - due) * 1000, status))
    writer.close()


async def run(url: str, rate: float, seconds: float, connections: int) -> None:
    key = await account_key(url)
    parts = urlsplit(url)
    request = (
        f"GET /v1/account HTTP/1.1\r\nHost: {parts.netloc}\r\nAuthorization: Bearer {key}\r\n\r\n"
    ).encode()
    warm, seen = asyncio.Queue(), []
    for _ in range(20):  # warm up: connections, caches, the billing query path
        warm.put_nowait(0.0)
    warm.put_nowait(None)
    await worker(parts.hostname, parts.port, request, warm, [])
    schedule, total = asyncio.Queue(), int(rate * seconds)
    begin = time.perf_counter() + 0.1
    for n in range(total):
        schedule.put_nowait(begin + n / rate)
    for _ in range(connections):
        schedule.put_nowait(None)
    await asyncio.gather(
        *(worker(parts.hostname, parts.port, request, schedule, seen) for _ in range(connections))
    )
    elapsed = time.perf_counter() - begin
    ordered = sorted(latency for latency, _ in seen)
    statuses = {}
    for _, status in seen:
        statuses[status] = statuses.get(status, 0) + 1

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    print(f"GET /v1/account: {total} requests in {elapsed:.1f} s ({total / elapsed:.0f}/s), "
          f"{connections} connections")  # fmt: skip
    print(f"latency ms: p50 {pct(50):.1f}  p90 {pct(90):.1f}  p99 {pct(99):.1f}  "
          f"max {ordered[-1]:.1f}  mean {statistics.mean(ordered):.1f}")  # fmt: skip
    print(f"answers: {dict(sorted(statuses.items()))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=20)
    args = parser.parse_args()
    url = os.environ.get("AITRAIN_URL", "http://127.0.0.1:8080")
    asyncio.run(run(url, args.rate, args.seconds, args.connections))


if __name__ == "__main__":
    main()
