"""Capacity on paper: a discrete-event simulation of the GPU work queues under KEDA.

    python scripts/capacity.py                       # the default table (well under a minute)
    python scripts/capacity.py --trainings 5000 --images 200000 --base sdxl-h100 --days 2

Each queue (TrainingCharged -> trainer pods, CreditsDebited -> inference pods) is simulated on
its own, as it is scaled on its own. Nothing here is measured on a GPU: the `*-h100` service
times are estimates, reasoned in WORKLOADS below; only the `cpu-tiny` figures are measured
(on the 2-core development host, the embedded 64 px model).

The model, and why:
- Arrivals: Poisson, rate mean * (1 + (peak - 1) * cos(2 pi (hour - 18) / 24)): peak/mean 2 at
  18:00 UTC, trough at 06:00 (rate 0 at peak 2). A simulated day starts at the 06:00 trough,
  so the queue starts empty and cold, as it would.
- A generation request holds 1 to 4 images (the API's num_outputs), uniformly: mean 2.5.
- Service times: lognormal around the stated mean (sigma 0.3 for trainings, whose steps follow
  the photo count; 0.15 per image).
- Autoscaler, as KEDA + the HPA do it: the nats-jetstream scaler's lag is num_pending +
  num_ack_pending (KEDA pkg/scalers/nats_jetstream_scaler.go), i.e. queued + running jobs.
  Every poll (KEDA pollingInterval, 30 s; the HPA really syncs every 15 s) the wanted
  replicas are ceil(lag / lagThreshold), kept at the current count within the HPA's 10 %
  tolerance, clamped to [max(min, 1), max]; scale-up at most max(2x, +4) per poll (the HPA's
  default policies), scale-down to the highest wish of the last 300 s (the HPA's default
  stabilization window); to zero (minReplicaCount 0) once the lag has been 0 for
  cooldownPeriod (300 s).
- A pod takes one job at a time (trainer: one training per process; inference: one
  generation request per process) and is ready `startup_s` after it is created (image pull
  and model load; lognormal, sigma 0.25). GPU nodes are assumed to be there: a cluster
  autoscaler adding a node costs minutes more and is not modelled.
- Scale-down: the ReplicaSet deletes not-ready pods first, then the most recently ready
  (Kubernetes' deletion ranking); it cannot see which pod is busy. A busy victim gets the
  broker's graceful_timeout_s = 15 s (contracts/bus/connect.py) to finish; after that its
  handler is cancelled unacked, heartbeats stop, JetStream redelivers the job after ack_wait
  (30 s, contracts/bus/topology.py), and another pod picks it up: a training resumes from its
  last checkpoint (every 50 of ~400 steps, trainer/handlers.py), a generation starts again.
  A longer terminationGracePeriodSeconds would not let the job finish; the 15 s bounds it.
- The defaults are KEDA's and the HPA's; deploy/k8s/base's ScaledObjects use
  `--poll 15 --cooldown 600 --down-pods 1` (scaleDown: one pod per 120 s).
- Outputs: wait = time queued before running (summed over redeliveries), pod-hours = every
  second a pod exists (starting, idle before the cooldown, busy, terminating).
"""

import argparse
import heapq
import math
import random
import sys
import time
from collections import deque
from dataclasses import dataclass, field, replace

DAY = 86_400.0
HOUR = 3_600.0
SLO_P95_S = 300.0


@dataclass(frozen=True)
class Workload:
    """One base model on one kind of device: mean service times and pod start-up."""

    train_s: float
    image_s: float
    request_s: float
    """Per generation request beside its images: adapter switch or load, PNG, S3."""
    startup_s: float
    device: str
    note: str


WORKLOADS = {
    # Measured on this repo's 2-core host (services/trainer/README.md, "Measured"): the
    # default preset's job (15 photos, 300 steps, teacher bank) 75.9 s; the demo's 600 steps
    # take 92 s. services/inference/README.md: one 1:1 image request, median 458-507 ms with
    # the adapter switch and PNG. Start-up: importing torch + diffusers + peft took 7.9 s
    # here, the 23 MB model 0.25 s; 15 s with the container is an estimate.
    "cpu-tiny": Workload(76.0, 0.50, 0.0, 15.0, "CPU pod", "measured (start-up estimated)"),
    # ESTIMATES for an H100 SXM, bf16, nothing measured. The preset as shipped: ~20 photos ->
    # 400 steps at batch 4 + 2 prior cases = 6 UNet samples fwd+bwd per step (2400 samples,
    # about a 1500-step batch-1 recipe's work plus the prior). SD 1.5 at 512 px: community
    # batch-1 LoRA runs reach roughly 8-10 it/s on an A100 and an H100 is ~2x (50-60 ms a
    # sample); little batching gain at batch 6 (~48 ms a sample) -> 3.5 steps/s -> 115 s;
    # + 8 evaluations, 5 previews, caching, checkpoints and S3 ~35 s = 150 s (2.5 min).
    # Image (720p = the native 512 x 512): 20 DDIM steps with CFG at 512 px ~45 it/s
    # + VAE + unfused LoRA = 0.55 s; request 0.3 s. Pod start-up 90 s (pull of a ~8 GB image
    # on a cold node ~60 s, imports ~10 s, 2 GB of weights to the GPU ~10 s).
    "sd15-h100": Workload(150.0, 0.55, 0.3, 90.0, "H100", "ESTIMATE"),
    # SDXL at 1024 px: the UNet is ~3x SD 1.5's and sees 4x the latent area; community batch-1
    # LoRA runs ~1.5-2 it/s on an A100 -> ~3.5 it/s on an H100, ~1.4 s per 6-sample step
    # -> 560 s; + heavier evaluations and previews at 1024 px, bigger checkpoints ~100 s =
    # 660 s (11 min). Image: 20 steps with CFG at 1024 px ~13 it/s + VAE at 1024 = 2.0 s;
    # request 0.5 s. Start-up 150 s (7 GB of weights on top of the same image).
    "sdxl-h100": Workload(660.0, 2.0, 0.5, 150.0, "H100", "ESTIMATE"),
}


@dataclass(frozen=True)
class Scaler:
    """KEDA ScaledObject + HPA defaults, and what the services do when a pod is removed."""

    poll_s: float = 30.0
    cooldown_s: float = 300.0
    stabilization_s: float = 300.0
    down_pods: int = 0
    """HPA scaleDown policy: at most this many pods removed per `down_period_s` (0: none)."""
    down_period_s: float = 120.0
    tolerance: float = 0.1
    lag_threshold: int = 1
    min_replicas: int = 0
    max_replicas: int = 100
    startup_s: float = 90.0
    startup_sigma: float = 0.25
    grace_s: float = 15.0
    redeliver_s: float = 30.0
    checkpoint_share: float = 1.0
    """Share of a job that may have to be redone after a handover (1: from the start)."""
    idle_first: bool = False
    """Scale-down takes idle pods first, as a pod-deletion-cost annotation on busy pods would
    make the ReplicaSet do; False: Kubernetes' default ranking, blind to busy."""


@dataclass
class Result:
    waits: list[tuple[float, float]]
    """(arrival, wait) per job."""
    pod_seconds: float
    busy_seconds: float
    peak_pods: int
    handovers: int
    span_s: float
    timeline: list[tuple[float, int]] = field(default_factory=list)

    def wait(self, q: float) -> float:
        return _quantile([w for _, w in self.waits], q)

    def worst_hour(self, q: float) -> float:
        """The highest q-quantile of the waits of the jobs that arrived in one clock hour."""
        hours: dict[int, list[float]] = {}
        for arrival, w in self.waits:
            hours.setdefault(int(arrival // HOUR), []).append(w)
        return max((_quantile(ws, q) for ws in hours.values()), default=0.0)

    def pod_seconds_between(self, start: float, end: float) -> float:
        """Pod-seconds inside [start, end] (needs timeline=True)."""
        total = 0.0
        for (t0, pods), (t1, _) in zip(
            self.timeline, [*self.timeline[1:], (math.inf, 0)], strict=True
        ):
            total += pods * max(0.0, min(t1, end) - max(t0, start))
        return total


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def rate_per_s(t: float, per_day: float, peak_ratio: float, peak_hour: float = 18.0) -> float:
    """Daily curve; t = 0 is the trough, 12 h before the peak."""
    hour = peak_hour - 12.0 + t / HOUR
    return per_day / DAY * (1 + (peak_ratio - 1) * math.cos(2 * math.pi * (hour - peak_hour) / 24))


def arrivals(per_day: float, days: float, peak_ratio: float, rng: random.Random) -> list[float]:
    """Non-homogeneous Poisson arrival times by thinning (Lewis-Shedler)."""
    top = per_day / DAY * max(peak_ratio, 2 - peak_ratio)
    times, t = [], 0.0
    if top <= 0:
        return times
    while True:
        t += rng.expovariate(top)
        if t >= days * DAY:
            return times
        if rng.random() * top < rate_per_s(t, per_day, peak_ratio):
            times.append(t)


def lognormal(rng: random.Random, mean: float, sigma: float) -> float:
    return mean * math.exp(sigma * rng.gauss(0.0, 1.0) - sigma * sigma / 2)


def training_jobs(per_day, days, peak_ratio, work: Workload, rng) -> list[tuple[float, float]]:
    return [
        (t, lognormal(rng, work.train_s, 0.3)) for t in arrivals(per_day, days, peak_ratio, rng)
    ]


def generation_jobs(images_per_day, days, peak_ratio, work: Workload, rng):
    """Requests of 1-4 images (mean 2.5); `images_per_day` counts images, not requests."""
    jobs = []
    for t in arrivals(images_per_day / 2.5, days, peak_ratio, rng):
        n = rng.randint(1, 4)
        jobs.append((t, work.request_s + sum(lognormal(rng, work.image_s, 0.15) for _ in range(n))))
    return jobs


class _Pod:
    __slots__ = ("job", "key", "ready", "started", "state")

    def __init__(self, key: int):
        self.key, self.state, self.job, self.ready, self.started = key, "starting", None, 0.0, 0.0


class _Job:
    __slots__ = ("arrival", "queued_at", "waited", "work")

    def __init__(self, arrival: float, work: float):
        self.arrival, self.queued_at, self.waited, self.work = arrival, arrival, 0.0, work


def simulate(
    jobs: list[tuple[float, float]],
    scaler: Scaler,
    seed: int = 0,
    initial_pods: int = 0,
    timeline: bool = False,
) -> Result:
    """Run `jobs` (arrival s, service s; sorted by arrival) until every one has finished and
    the pods are gone (or min_replicas remain). `initial_pods` are ready at t = 0."""
    rng = random.Random(seed)  # start-up jitter and redone work: apart from the jobs' draws
    heap: list = []  # (t, seq, kind, pod or job, token)
    seq = 0
    queue: deque[_Job] = deque()
    starting: dict[int, _Pod] = {}  # creation order: the newest is deleted first
    ready: list[_Pod] = []  # ready order: the most recently ready is deleted first
    idle: dict[int, _Pod] = {}
    running = redelivering = alive = peak = handovers = done = 0
    pod_s = busy_s = 0.0
    last_t = 0.0
    last_active = -math.inf
    window: deque[tuple[float, int]] = deque()  # (t, wish), wishes decreasing: sliding max
    removals: deque[float] = deque()  # when pods were scaled down, for the scaleDown policy
    waits: list[float] = []
    marks: list[tuple[float, int]] = [(0.0, 0)]
    keys = iter(range(1 << 62))

    def push(t, kind, obj, token=0):
        nonlocal seq
        seq += 1
        heapq.heappush(heap, (t, seq, kind, obj, token))

    def count(delta, t):
        nonlocal alive, peak
        alive += delta
        peak = max(peak, alive)
        if timeline:
            marks.append((t, alive))

    def run(pod, job, t):
        nonlocal running
        job.waited += t - job.queued_at
        pod.state, pod.job, pod.started = "busy", job, t
        running += 1
        push(t + job.work, "done", pod, id(job))

    def free(pod, t):
        if queue:
            run(pod, queue.popleft(), t)
        else:
            pod.state, pod.job = "idle", None
            idle[pod.key] = pod

    def create(t, now_ready=False):
        pod = _Pod(next(keys))
        count(+1, t)
        if now_ready:
            pod.state = "idle"
            ready.append(pod)
            free(pod, t)
        else:
            starting[pod.key] = pod
            push(t + lognormal(rng, scaler.startup_s, scaler.startup_sigma), "ready", pod)

    def remove(t):
        nonlocal running
        if starting:
            pod = starting.popitem()[1]
            pod.state = "gone"
            count(-1, t)
            return
        if scaler.idle_first and idle:
            pod = idle.popitem()[1]
            ready.remove(pod)
        else:
            pod = ready.pop()
        if pod.state == "idle":
            idle.pop(pod.key, None)
            pod.state = "gone"
            count(-1, t)
        else:  # busy: it finishes within the grace period, or hands its job over
            pod.state = "terminating"
            push(t + scaler.grace_s, "cancel", pod, id(pod.job))

    def poll(t):
        nonlocal last_active
        lag = len(queue) + running + redelivering
        replicas = len(starting) + len(ready)
        if lag:
            last_active = t
        if not lag and t - last_active >= scaler.cooldown_s:
            window.clear()
            target = scaler.min_replicas
        else:
            wish = math.ceil(lag / scaler.lag_threshold)
            if replicas and abs(lag / (replicas * scaler.lag_threshold) - 1) <= scaler.tolerance:
                wish = replicas
            wish = min(max(wish, scaler.min_replicas, 1), scaler.max_replicas)
            while window and window[0][0] <= t - scaler.stabilization_s:
                window.popleft()
            while window and window[-1][1] <= wish:
                window.pop()
            window.append((t, wish))
            if wish > replicas:
                target = min(wish, max(2 * replicas, replicas + 4))
            else:
                target = min(replicas, window[0][1])
                if scaler.down_pods:
                    while removals and removals[0] <= t - scaler.down_period_s:
                        removals.popleft()
                    target = max(target, replicas - scaler.down_pods + len(removals))
                    removals.extend([t] * max(0, replicas - target))
        for _ in range(target - replicas):
            create(t)
        for _ in range(replicas - target):
            remove(t)

    for _ in range(initial_pods):
        create(0.0, now_ready=True)
    push(0.0, "poll", None)
    i, total = 0, len(jobs)
    while heap:
        if i < total and jobs[i][0] < heap[0][0]:
            t, kind, obj, token = jobs[i][0], "arrive", _Job(*jobs[i]), 0
            i += 1
        else:
            t, _, kind, obj, token = heapq.heappop(heap)
        pod_s += alive * (t - last_t)
        last_t = t
        if kind == "arrive":
            if idle:
                run(idle.popitem()[1], obj, t)
            else:
                queue.append(obj)
        elif kind == "done":
            if obj.state not in ("busy", "terminating") or id(obj.job) != token:
                continue  # a stale completion: the job was handed over
            job, running = obj.job, running - 1
            busy_s += t - obj.started
            waits.append((job.arrival, job.waited))
            done += 1
            if obj.state == "terminating":
                obj.state = "gone"
                count(-1, t)
            else:
                free(obj, t)
        elif kind == "cancel":
            if obj.state != "terminating" or id(obj.job) != token:
                continue  # it finished within the grace period
            job, ran = obj.job, t - obj.started
            busy_s += ran
            job.work = job.work - ran + min(ran, rng.uniform(0, scaler.checkpoint_share) * job.work)
            running, redelivering, handovers = running - 1, redelivering + 1, handovers + 1
            obj.state = "gone"
            count(-1, t)
            push(t + scaler.redeliver_s, "redeliver", job)
        elif kind == "redeliver":
            redelivering -= 1
            obj.queued_at = t
            if idle:
                run(idle.popitem()[1], obj, t)
            else:
                queue.appendleft(obj)  # redeliveries go first
        elif kind == "ready":
            if obj.state == "starting":
                del starting[obj.key]
                ready.append(obj)
                free(obj, t)
        elif kind == "poll":
            poll(t)
            settled = not queue and not running and not redelivering
            if i < total or not settled or alive > scaler.min_replicas:
                push(t + scaler.poll_s, "poll", None)
    return Result(waits, pod_s, busy_s, peak, handovers, last_t, marks)


def holds_slo(result: Result) -> bool:
    """p95 wait under 5 minutes in every clock hour, the evening peak included (a p95 over
    the whole day would let the peak's users wait far longer)."""
    return result.worst_hour(0.95) < SLO_P95_S


def smallest_max(jobs, scaler: Scaler, seed: int, top: int) -> int | None:
    """The smallest maxReplicaCount that holds the SLO, by bisection up to `top` (waits fall
    as the cap rises); None when even `top` misses it."""
    if not holds_slo(simulate(jobs, replace(scaler, max_replicas=top), seed)):
        return None
    low, high = 0, top  # low misses, high holds
    while high - low > 1:
        mid = (low + high) // 2
        if holds_slo(simulate(jobs, replace(scaler, max_replicas=mid), seed)):
            high = mid
        else:
            low = mid
    return high


def scenario(kind: str, base: str, per_day: float, args) -> list[str]:
    work = WORKLOADS[base]
    rng = random.Random(args.seed)
    make = training_jobs if kind == "training" else generation_jobs
    jobs = make(per_day, args.days, args.peak, work, rng)
    scaler = Scaler(
        poll_s=args.poll,
        cooldown_s=args.cooldown,
        lag_threshold=args.lag_threshold,
        max_replicas=args.uncapped,
        startup_s=work.startup_s,
        checkpoint_share=50 / 400 if kind == "training" else 1.0,  # checkpoint every 50 steps
        min_replicas=args.min_replicas,
        down_pods=args.down_pods,
        idle_first=args.deletion_cost,
    )
    free = simulate(jobs, scaler, args.seed)
    cap = smallest_max(jobs, scaler, args.seed, max(free.peak_pods, 1)) if jobs else None
    capped = simulate(jobs, replace(scaler, max_replicas=cap), args.seed) if cap else None
    per_day_h = lambda seconds: f"{seconds / HOUR / args.days:,.1f}"  # noqa: E731
    return [
        f"{base} ({work.note.split()[0]})",
        f"{per_day:,.0f} {kind}s" if kind == "training" else f"{per_day:,.0f} images",
        f"{free.wait(0.5):.0f} / {free.wait(0.95):.0f} / {free.worst_hour(0.95):.0f}",
        per_day_h(free.pod_seconds),
        per_day_h(free.busy_seconds),
        str(free.peak_pods),
        f"{free.handovers / args.days:,.0f}",
        str(cap) if cap else "-",
        f"{capped.wait(0.95):.0f} / {capped.worst_hour(0.95):.0f}" if capped else "-",
        per_day_h(capped.pod_seconds) if capped else "-",
    ]


HEADER = [
    "base (figures)",
    "per day",
    "wait s: p50 / p95 / worst-hour p95",
    "pod-h/day",
    "busy-h/day",
    "peak pods",
    "handovers/day",
    "smallest max",
    "at it: p95 / worst-hour p95",
    "at it: pod-h/day",
]


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[c]) for r in [HEADER, *rows]) for c in range(len(HEADER))]
    line = lambda r: "| " + " | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) + " |"  # noqa: E731
    return "\n".join([line(HEADER), line(["-" * w for w in widths]), *map(line, rows)])


def main(argv: list[str] | None = None) -> None:
    cli = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    cli.add_argument("--trainings", type=float, nargs="*", default=[1_000, 10_000, 100_000])
    cli.add_argument("--images", type=float, nargs="*", default=[1_000_000])
    cli.add_argument("--base", nargs="*", default=["sd15-h100", "sdxl-h100"], choices=WORKLOADS)
    cli.add_argument("--cpu-trainings", type=float, default=50, help="0: no CPU rows")
    cli.add_argument("--cpu-images", type=float, default=2_000)
    cli.add_argument("--days", type=float, default=1.0)
    cli.add_argument("--seed", type=int, default=1)
    cli.add_argument("--peak", type=float, default=2.0, help="peak/mean rate, 1 to 2")
    cli.add_argument("--poll", type=float, default=30.0, help="KEDA pollingInterval, s")
    cli.add_argument("--cooldown", type=float, default=300.0, help="KEDA cooldownPeriod, s")
    cli.add_argument("--lag-threshold", type=int, default=1)
    cli.add_argument("--min-replicas", type=int, default=0, help="KEDA minReplicaCount")
    cli.add_argument("--down-pods", type=int, default=0, help="scaleDown: pods per 120 s")
    cli.add_argument("--uncapped", type=int, default=100_000, help="maxReplicaCount 'none'")
    cli.add_argument(
        "--deletion-cost", action="store_true", help="scale-down removes idle pods first"
    )
    args = cli.parse_args(argv)
    began = time.monotonic()
    rows: dict[str, list[list[str]]] = {"training": [], "generation": []}
    if args.cpu_trainings:
        rows["training"].append(scenario("training", "cpu-tiny", args.cpu_trainings, args))
        rows["generation"].append(scenario("generation", "cpu-tiny", args.cpu_images, args))
    for base in args.base:
        rows["training"] += [scenario("training", base, n, args) for n in args.trainings]
        rows["generation"] += [scenario("generation", base, n, args) for n in args.images]
    print(
        f"{args.days:g} day(s) from the 06:00 UTC trough, peak/mean {args.peak:g} at 18:00 UTC,"
        f" seed {args.seed}; pollingInterval {args.poll:g} s, cooldownPeriod {args.cooldown:g} s,"
        f" lagThreshold {args.lag_threshold}, minReplicaCount {args.min_replicas}, scale-down "
        + (
            "idle pods first (pod-deletion-cost)"
            if args.deletion_cost
            else "by Kubernetes' ranking"
        )
        + (f" at most {args.down_pods} pod(s) / 120 s" if args.down_pods else "")
        + f". Smallest max: the lowest maxReplicaCount with p95 wait < {SLO_P95_S:g} s in every"
        " hour. H100 rows are ESTIMATES."
    )
    for kind, found in rows.items():
        if found:
            print(f"\n{kind} pods (one job per pod)\n")
            print(table(found))
    print()
    for name, w in WORKLOADS.items():
        print(
            f"{name}: training {w.train_s:g} s, image {w.image_s:g} s + {w.request_s:g} s per"
            f" request, pod start-up {w.startup_s:g} s ({w.device}, {w.note})"
        )
    print(f"({time.monotonic() - began:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
