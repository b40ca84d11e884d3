"""How long each plan's trainings wait under the fair queue's rule (contracts.queueing), on a
busy platform: jobs arrive at random (Poisson) from accounts of every plan, trainers take the
waiting job with the lowest queue key. Prints the mean, the 95th percentile and the longest
wait by plan, and the longest time any job was overtaken by jobs paid after it (the rule
bounds it by the largest head start).

    python scripts/simulate_queue.py [--trainers 4] [--load 0.95] [--hours 48] [--seed 1]

`--load`: arrivals per second × job time ÷ trainers (1 is a queue that never drains).
"""

import argparse
import heapq
import random
import statistics
from datetime import UTC, datetime, timedelta

from contracts import queueing

PLANS = {"free": 0.2, "standard": 0.4, "pro": 0.3, "unlimited": 0.1}
"""Share of the jobs each plan pays for."""
JOB_S = (60.0, 600.0)
"""A job's time, uniform between these (seconds)."""
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def simulate(trainers: int, load: float, hours: float, seed: int) -> dict:
    rng = random.Random(seed)
    mean_job = sum(JOB_S) / 2
    rate = load * trainers / mean_job
    arrivals, now = [], 0.0
    while now < hours * 3600:
        now += rng.expovariate(rate)
        plan = rng.choices(list(PLANS), weights=list(PLANS.values()))[0]
        arrivals.append((now, plan, rng.uniform(*JOB_S)))
    waiting: list[tuple[float, float, str, float]] = []  # (key, paid at, plan, job time)
    free_at = [0.0] * trainers
    waits: dict[str, list[float]] = {plan: [] for plan in PLANS}
    overtaken = 0.0
    started_keys: list[tuple[float, float]] = []  # (paid at, started at) in start order
    index = 0
    while index < len(arrivals) or waiting:
        soonest = heapq.heappop(free_at)
        # every job paid before the trainer frees up is in the queue by then
        while index < len(arrivals) and (arrivals[index][0] <= soonest or not waiting):
            paid, plan, took = arrivals[index]
            key = queueing.queue_key(plan, T0 + timedelta(seconds=paid)) - T0.timestamp()
            heapq.heappush(waiting, (key, paid, plan, took))
            index += 1
        key, paid, plan, took = heapq.heappop(waiting)
        start = max(soonest, paid)
        waits[plan].append(start - paid)
        started_keys.append((paid, start))
        heapq.heappush(free_at, start + took)
    # overtaken: for each job, how long after it were the latest jobs that started before it
    latest_paid = 0.0
    for paid, _ in started_keys:
        latest_paid = max(latest_paid, paid)
        overtaken = max(overtaken, latest_paid - paid)
    return {"jobs": len(arrivals), "waits": waits, "overtaken_s": overtaken}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trainers", type=int, default=4)
    parser.add_argument("--load", type=float, default=0.95)
    parser.add_argument("--hours", type=float, default=48)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    result = simulate(args.trainers, args.load, args.hours, args.seed)
    print(
        f"{result['jobs']} jobs over {args.hours:g} h on {args.trainers} trainers at load "
        f"{args.load:g} (jobs of {JOB_S[0]:g}-{JOB_S[1]:g} s)"
    )
    print(f"{'plan':<10} {'jobs':>6} {'mean wait':>10} {'p95 wait':>10} {'longest':>10}")
    for plan, waits in result["waits"].items():
        p95 = statistics.quantiles(waits, n=20)[-1] if len(waits) > 1 else waits[0]
        print(
            f"{plan:<10} {len(waits):>6} {statistics.fmean(waits) / 60:>8.1f} m "
            f"{p95 / 60:>8.1f} m {max(waits) / 60:>8.1f} m"
        )
    bound = queueing.LONGEST_WAIT_BEHIND_LATER_S
    print(
        f"longest time a job was overtaken by later ones: {result['overtaken_s'] / 60:.1f} min "
        f"(the rule's bound: {bound / 60:g} min)"
    )


if __name__ == "__main__":
    main()
