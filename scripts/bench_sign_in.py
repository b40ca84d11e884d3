"""Does sign-in tell which emails have an account by how long it takes? Times `POST
/v1/sessions` for an unknown email and for a known email with a wrong password, alternating,
on the gateway's app over in-memory stores with its real argon2id settings (the store and
the network add the same to both). Prints each mean, spread and whether the two ranges
overlap (they should: both run exactly one argon2 verification; issue 32 measured 32 ms
against 157 ms before the fix).

    .venv/bin/python scripts/bench_sign_in.py [--rounds 20]
"""

import argparse
import asyncio
import statistics
import time

import httpx

from gateway import fakes
from gateway.config import Settings
from gateway.main import create_app

ADMIN = "bench-admin-token"
KNOWN = "ann@example.com"


async def timed(http: httpx.AsyncClient, email: str) -> float:
    started = time.perf_counter()
    answer = await http.post("/v1/sessions", json={"email": email, "password": "wrong" * 3})
    assert answer.status_code == 401, answer.text
    return (time.perf_counter() - started) * 1000


async def run(rounds: int) -> dict[str, list[float]]:
    # rate limits and the failure slowdown off: they would refuse the later rounds
    app = create_app(
        Settings(aitrain_admin_token=ADMIN, rate_limit_scale=0, log_level="warning"),
        ports=fakes.memory_ports(),
    )
    app.state.gateway.sign_ins.failures = NoFailures()
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://gateway") as http,
    ):
        made = await http.post(
            "/v1/accounts",
            headers={"Authorization": f"Bearer {ADMIN}"},
            json={"email": KNOWN, "password": "the right password"},
        )
        made.raise_for_status()
        times: dict[str, list[float]] = {"unknown email": [], "known email, wrong password": []}
        for round_ in range(rounds):
            times["unknown email"].append(await timed(http, f"nobody-{round_}@example.com"))
            times["known email, wrong password"].append(await timed(http, KNOWN))
    return times


class NoFailures(fakes.MemoryFailures):
    async def attempt(self, name: str, now: float, window_s: float) -> tuple[int, float]:
        return 0, 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    times = asyncio.run(run(parser.parse_args().rounds))
    for name, ms in times.items():
        print(f"{name:28} mean {statistics.mean(ms):6.1f} ms   {min(ms):6.1f}–{max(ms):6.1f} ms")
    (low_a, high_a), (low_b, high_b) = ((min(ms), max(ms)) for ms in times.values())
    print("ranges overlap:", "yes" if low_a <= high_b and low_b <= high_a else "NO")


if __name__ == "__main__":
    main()
