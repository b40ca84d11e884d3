"""The authenticated read path under load: `GET /v1/account` at a steady rate over several
connections, against a running platform (`RATE_LIMIT_SCALE=100 make run`: the default
limits would refuse one key's 2000 requests a minute, which is their job).

Open loop: requests start on schedule whether or not earlier ones answered, so a slow
platform shows as latency rather than as a lower rate. Prints p50/p90/p99/max and what
was refused. Target (issue 15): p99 under 50 ms at 200 requests/s on 2 cores.

    .venv/bin/python scripts/bench_read_path.py [--rate 200] [--seconds 10] [--connections 20]
"""

import argparse
import asyncio
import os
import statistics
import time
from pathlib import Path

import httpx


def admin_token() -> str:
    if token := os.environ.get("AITRAIN_ADMIN_TOKEN"):
        return token
    return (Path(os.environ.get("AITRAIN_DATA_DIR", ".data")) / "admin-token").read_text().strip()


async def run(url: str, rate: float, seconds: float, connections: int) -> None:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as http:
        made = await http.post("/v1/accounts", headers={"Authorization": f"Bearer {admin_token()}"})
        made.raise_for_status()
        headers = {"Authorization": f"Bearer {made.json()['api_key']}"}
        for _ in range(20):  # warm up: connections, caches, the billing query path
            await http.get("/v1/account", headers=headers)
        latencies, statuses = [], {}

        async def one() -> None:
            started = time.perf_counter()
            try:
                code = (await http.get("/v1/account", headers=headers)).status_code
            except httpx.HTTPError as error:
                code = type(error).__name__
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[code] = statuses.get(code, 0) + 1

        total, begin, tasks = int(rate * seconds), time.perf_counter(), []
        for n in range(total):
            delay = begin + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - begin

    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    print(f"GET /v1/account: {total} requests in {elapsed:.1f} s ({total / elapsed:.0f}/s), "
          f"{connections} connections")  # fmt: skip
    print(f"latency ms: p50 {pct(50):.1f}  p90 {pct(90):.1f}  p99 {pct(99):.1f}  "
          f"max {ordered[-1]:.1f}  mean {statistics.mean(ordered):.1f}")  # fmt: skip
    print(f"answers: {dict(sorted(statuses.items(), key=str))}")


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
