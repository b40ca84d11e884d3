"""A chaos run of the whole platform: a workload through the public API, a seeded schedule of
faults, then a checker that reads the history, the API and the event stream.

    python scripts/chaos.py --duration 120 --seed 7        # `make chaos DURATION=... SEED=...`

The platform runs as `make run` runs it, in multi-node mode (3 NATS nodes, two processes of
each worker), on free ports, in a data folder of its own. Accounts train (a small `steps`),
generate 1-4 images (every request with an Idempotency-Key, sometimes sent twice), cancel
a longer training (before it starts or while it trains), delete models, top up, and ask for
what must be refused (a deleted model; more images than their
credits pay for). Faults, from the seed, each kind once first and then at random: SIGKILL
of a service process, SIGSTOP for longer than the ack wait then SIGCONT, SIGKILL of a NATS
node (often the event stream's leader), of the MongoDB-protocol server and of the S3 server
(the launcher restarts each), and a restart of the whole platform. Meanwhile every process's
memory is sampled (the soak: growth per hour, a leak fails the run). After `--duration` the
faults stop and the run waits for every accepted request to end. The checker then holds the
books to the promises (see `check`); the exit status is 1 on any violation. The seed fixes
which requests and faults come and how far apart, not how they interleave with the
platform's own timing: a failing seed is a lead, not an exact replay.
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import string
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import nats

from aitrain_client.api import training_files
from aitrain_local.started import Launched, platform_env, started
from contracts import refunds
from contracts.bus import Topology

ROOT = Path(__file__).resolve().parents[1]
ADMIN = "chaos-admin-token"
REPLICAS = "trainer=2,inference=2,billing=2,dataset=2"
WORKERS = ("dataset", "billing", "trainer", "inference", "gateway")
ACK_WAIT_S = 30  # contracts.bus.topology.ConsumerDefaults
FINAL = {"completed", "failed", "rejected", "payment_failed", "cancelled"}
CREDITS_PER_IMAGE = 5
MAX_IN_FLIGHT = 4
"""Unfinished generations an account lets run before it asks for more: without a bound, a
30-minute run asked for 3,000 generations on 2 cores and left a backlog no quiescence
period drains (what is measured is faults, not overload)."""


@dataclass
class Op:
    """One request of the workload and what came of it."""

    kind: str
    account: str
    started: float
    outcome: str = "unknown"  # ok | refused | unknown (the answer was lost)
    code: int | None = None
    ref: str | None = None  # the training or generation it made


@dataclass
class Account:
    account_id: str
    http: httpx.Client
    models: dict[str, str] = field(default_factory=dict)
    """Ready models: id -> keyword (a prompt must hold it)."""
    deleted: list[str] = field(default_factory=list)
    trainings: set[str] = field(default_factory=set)
    generations: set[str] = field(default_factory=set)
    train_attempts: int = 0
    to_cancel: set[str] = field(default_factory=set)
    """Trainings it means to cancel (longer ones), until a cancel was answered."""
    ended: set[str] = field(default_factory=set)
    """Trainings and generations seen in a final status."""


class Workload:
    def __init__(self, platform: Launched, rng: random.Random, accounts: int):
        self.platform, self.rng = platform, rng
        token = platform.env["AITRAIN_ADMIN_TOKEN"]
        self.admin = httpx.Client(
            base_url=platform.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        )
        self.history: list[Op] = []
        self.violations: list[str] = []
        """Seen while the workload runs (a retried request answered as another)."""
        self.accounts = [self._account() for _ in range(accounts)]
        self.files = training_files(ROOT / "examples" / "zxq")

    def _account(self) -> Account:
        made = self.admin.post("/v1/accounts").raise_for_status().json()
        account_id = made["account_id"]
        body = {"plan": "pro", "reason": "chaos"}
        self.admin.put(f"/v1/accounts/{account_id}/plan", json=body).raise_for_status()
        self._grant(account_id, 1100)
        auth = {"Authorization": f"Bearer {made['api_key']}"}
        return Account(
            account_id, httpx.Client(base_url=self.platform.url, headers=auth, timeout=60)
        )

    def _grant(self, account_id: str, credits: int) -> httpx.Response:
        body = {"credits": credits, "reason": "chaos top-up"}
        return self.admin.post(f"/v1/accounts/{account_id}/credits", json=body)

    def run(self, stop: threading.Event, account: Account, rng: random.Random) -> None:
        while not stop.is_set():
            # two trainings each: the free one, then one paid from the starting credits; a
            # third, longer, to cancel (paid from top-ups, or refused for want of credits)
            kinds = ["generate"] * 6 + ["train"] * (1 if account.train_attempts < 3 else 0)
            kinds += ["cancel"] if account.to_cancel else []
            kinds += ["delete"] if len(account.models) > 1 else []
            kinds += ["deleted_model"] if account.deleted else []
            kinds += ["top_up", "too_many_images"]
            # a read on the way may fail (e.g. the gateway was just killed): go on
            with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
                getattr(self, rng.choice(kinds))(account, rng)
            time.sleep(rng.uniform(0.2, 1.5))

    def _op(self, kind: str, account: Account, **flags) -> Op:
        op = Op(kind, account.account_id, time.monotonic(), **flags)
        self.history.append(op)
        return op

    def _send(self, op: Op, call) -> httpx.Response | None:
        try:
            answer = call()
        except httpx.HTTPError:
            return None  # unknown: resolved after the run
        op.code = answer.status_code
        op.outcome = "ok" if answer.status_code < 400 else "refused"
        if answer.status_code >= 500 and answer.status_code != 503:
            op.outcome = "unknown"
        return answer

    def train(self, account: Account, rng: random.Random) -> None:
        account.train_attempts += 1
        keyword = "k" + "".join(rng.choices(string.ascii_lowercase, k=7))
        cancelled = account.train_attempts == 3  # long enough to be cancelled while it runs
        form = {"type": "object", "keyword": keyword, "steps": "400" if cancelled else "50"}
        op = self._op("train", account)
        key = str(uuid.uuid4())
        for _ in range(2):  # a lost answer is asked again with the same key
            answer = self._send(
                op,
                lambda: account.http.post(
                    "/v1/trainings",
                    data=form,
                    files=self.files,
                    headers={"Idempotency-Key": key},
                    timeout=120,
                ),
            )
            if answer is not None and answer.status_code != 503:
                break
        if op.outcome == "ok":
            op.ref = answer.json()["training_id"]
            account.trainings.add(op.ref)
            if cancelled:
                account.to_cancel.add(op.ref)

    def cancel(self, account: Account, rng: random.Random) -> None:
        """Cancel the longer training: 202 (cancelling, or cancelled), or 409 once it ended
        another way; asked again with a lost answer (a cancel is one cancel)."""
        training = rng.choice(sorted(account.to_cancel))
        op = self._op("cancel", account, ref=training)
        answer = self._send(op, lambda: account.http.post(f"/v1/trainings/{training}/cancel"))
        if answer is not None and answer.status_code in (202, 409):
            account.to_cancel.discard(training)

    def generate(
        self, account: Account, rng: random.Random, images: int | None = None, kind="generate"
    ) -> Op | None:
        if not account.models:  # none trained yet
            return None
        if self._in_flight(account) >= MAX_IN_FLIGHT:  # as a client would: wait for some
            return None
        model = rng.choice(sorted(account.models))
        prompt = f"a {account.models[model]} on a green background"
        body = {"model_id": model, "prompt": prompt, "num_outputs": images or rng.randint(1, 4)}
        key = str(uuid.uuid4())
        op = self._op(kind, account)
        made = set()
        for _ in range(2 if rng.random() < 0.3 else 1):  # sometimes a retry of the same request
            answer = self._send(
                op,
                lambda: account.http.post(
                    "/v1/generations", json=body, headers={"Idempotency-Key": key}
                ),
            )
            if op.outcome == "ok":
                made.add(answer.json()["generation_id"])
        if len(made) > 1:
            self.violations.append(f"one Idempotency-Key made generations {sorted(made)}")
        if made:
            op.ref = made.pop()
            account.generations.add(op.ref)
        return op

    @staticmethod
    def _in_flight(account: Account) -> int:
        listed = account.http.get("/v1/generations", params={"limit": 20})
        return sum(1 for g in listed.raise_for_status().json() if g["status"] not in FINAL)

    def too_many_images(self, account: Account, rng: random.Random) -> None:
        """More images than the balance pays for: payment_failed, nothing taken (the
        checker holds every payment_failed generation to a 0-credit rejection record)."""
        credits = account.http.get("/v1/account").json()["credits"]
        if credits >= 4 * CREDITS_PER_IMAGE or not account.models:
            return self.generate(account, rng)
        self.generate(account, rng, images=4, kind="too_many_images")

    def delete(self, account: Account, rng: random.Random) -> None:
        model = rng.choice(sorted(account.models))
        account.models.pop(model)
        op = self._op("delete", account)
        self._send(op, lambda: account.http.delete(f"/v1/models/{model}"))
        if op.outcome == "ok":  # a lost answer leaves it unknown: never asked for again
            account.deleted.append(model)

    def deleted_model(self, account: Account, rng: random.Random) -> None:
        body = {"model_id": rng.choice(account.deleted), "prompt": "a zxq"}
        op = self._op("deleted_model", account)
        self._send(op, lambda: account.http.post("/v1/generations", json=body))

    def top_up(self, account: Account, rng: random.Random) -> None:
        op = self._op("top_up", account)
        self._send(op, lambda: self._grant(account.account_id, rng.choice((20, 50, 100))))

    def refresh_models(self) -> None:
        for account in self.accounts:
            try:
                listed = account.http.get("/v1/models").raise_for_status().json()
            except (httpx.HTTPError, ValueError):  # e.g. a 503 while the platform restarts
                continue
            account.models = {
                m["model_id"]: m["keyword"] for m in listed if m["model_id"] not in account.deleted
            }


class Faults:
    """The seeded schedule: one fault every few seconds until `until`, and at least one of
    each kind (the first round finishes even past `until`)."""

    KINDS = {  # fault: weight
        "kill_service": 4,
        "pause_service": 2,
        "kill_nats": 2,
        "kill_mongo": 1,
        "kill_s3": 1,
        "restart_platform": 1,
    }

    def __init__(
        self, platform: Launched, rng: random.Random, bus: "Bus", apart_s: tuple[float, float]
    ):
        self.platform, self.rng, self.bus = platform, rng, bus
        self.apart_s = apart_s
        """The least and most seconds between two faults."""
        self.done: Counter = Counter()

    def run(self, until: float) -> None:
        kinds, weights = zip(*self.KINDS.items(), strict=True)
        first = self.rng.sample(kinds, len(kinds))  # so a short run meets every kind
        while first or time.monotonic() < until:
            time.sleep(self.rng.uniform(*self.apart_s))
            fault = first.pop() if first else self.rng.choices(kinds, weights)[0]
            if getattr(self, fault)():
                self.done[fault] += 1

    def _service(self) -> int | None:
        pids = self.platform.child_pids(f" -m ({'|'.join(WORKERS)})$")
        return self.rng.choice(pids) if pids else None

    def kill_service(self) -> bool:
        pid = self._service()
        return pid is not None and _signal(pid, signal.SIGKILL)

    def pause_service(self) -> bool:
        pid = self._service()
        if pid is None or not _signal(pid, signal.SIGSTOP):
            return False
        try:
            time.sleep(ACK_WAIT_S + 5)  # its messages go to the other process meanwhile
        finally:
            _signal(pid, signal.SIGCONT)
        return True

    def kill_nats(self) -> bool:
        try:
            node = (
                self.bus.leader() if self.rng.random() < 0.6 else f"nats-{self.rng.randint(1, 3)}"
            )
        except Exception:  # noqa: BLE001 — no leader just now: kill any
            node = f"nats-{self.rng.randint(1, 3)}"
        return self._kill(f"nats-server .*--name {node} ")

    def kill_mongo(self) -> bool:
        """The MongoDB-protocol server (every service's records): restarted by the launcher."""
        return self._kill("nx-27017 ")

    def kill_s3(self) -> bool:
        """The S3 server (photos, weights, images): restarted by the launcher."""
        return self._kill("weed mini ")

    def restart_platform(self) -> bool:
        """Everything stopped as Ctrl-C stops it (a host reboot, a redeploy), then started."""
        self.platform.restart()
        return True

    def _kill(self, pattern: str) -> bool:
        pids = self.platform.child_pids(pattern)
        return bool(pids) and _signal(pids[0], signal.SIGKILL)


class Memory:
    """The soak: every process's resident memory (RSS), sampled every SAMPLE_S until stopped.
    Growth per hour is the slope of RSS over time within each process's life, after its
    first WARM_UP_S (models load, caches fill), pooled over the restarts of one instance;
    above LEAK_MIB_PER_H over at least MIN_SPAN_S of such samples, it is a leak."""

    SAMPLE_S = 10.0
    WARM_UP_S = 120.0
    MIN_SPAN_S = 600.0
    LEAK_MIB_PER_H = 100.0

    def __init__(self, platform: Launched):
        self.platform = platform
        self.samples: dict[int, list[tuple[float, float]]] = {}
        """pid -> (monotonic seconds, MiB)"""
        self.names: dict[int, str] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            now = time.monotonic()
            for pid in self.platform.child_pids("."):  # every server and service process
                with contextlib.suppress(OSError, StopIteration):  # it ended meanwhile
                    self.names.setdefault(pid, _process_name(pid))
                    self.samples.setdefault(pid, []).append((now, _rss_mib(pid)))
            self.stop.wait(self.SAMPLE_S)

    def table(self) -> list[dict]:
        """Per instance: processes, the last and the most MiB, growth MiB/h, seconds used."""
        rows = []
        for name in sorted(set(self.names.values())):
            pids = [pid for pid, n in self.names.items() if n == name and pid in self.samples]
            lives = [self.samples[pid] for pid in pids]
            slope, span = _pooled_slope([_after(life, self.WARM_UP_S) for life in lives])
            rows.append(
                {
                    "name": name,
                    "processes": len(pids),
                    "last_mib": max(lives, key=lambda life: life[-1][0])[-1][1],
                    "max_mib": max(mib for life in lives for _, mib in life),
                    "growth_mib_per_h": slope * 3600,
                    "span_s": span,
                }
            )
        return rows

    def leaks(self, rows: list[dict]) -> list[str]:
        return [
            f"memory: {row['name']} grows {row['growth_mib_per_h']:.0f} MiB/h"
            for row in rows
            if row["span_s"] >= self.MIN_SPAN_S and row["growth_mib_per_h"] > self.LEAK_MIB_PER_H
        ]


def _rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(kib) / 1024


def _process_name(pid: int) -> str:
    """A service's instance name (trainer-1), a NATS node's name (nats-2), mongo or s3."""
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    for var in environ:
        if var.startswith(b"AITRAIN_INSTANCE="):
            return var.split(b"=", 1)[1].decode()
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    if "--name" in argv:
        return argv[argv.index("--name") + 1]
    known = {"nx-27017": "mongo", "weed": "s3", "nats-server": "nats"}  # nx-27017 runs in python
    return next((known[Path(a).name] for a in argv if Path(a).name in known), Path(argv[0]).name)


def _after(life: list[tuple[float, float]], warm_up_s: float) -> list[tuple[float, float]]:
    return [(t, mib) for t, mib in life if t - life[0][0] >= warm_up_s]


def _pooled_slope(lives: list[list[tuple[float, float]]]) -> tuple[float, float]:
    """The least-squares slope (MiB per second) of RSS over time, each life measured from its
    own mean (a restart starts low again: that is no shrinking), and the seconds spanned."""
    covariance = variance = span = 0.0
    for life in lives:
        if len(life) < 2:
            continue
        mean_t = sum(t for t, _ in life) / len(life)
        mean_mib = sum(mib for _, mib in life) / len(life)
        covariance += sum((t - mean_t) * (mib - mean_mib) for t, mib in life)
        variance += sum((t - mean_t) ** 2 for t, _ in life)
        span += life[-1][0] - life[0][0]
    return (covariance / variance if variance else 0.0), span


def _signal(pid: int, signum: int) -> bool:
    try:
        os.kill(pid, signum)
        return True
    except ProcessLookupError:
        return False


class Bus:
    """An admin connection to the cluster: the event stream and the dead letters."""

    def __init__(self, platform: Launched):
        first = int(platform.env["AITRAIN_NATS_PORT"])
        self.urls = [f"nats://127.0.0.1:{first + i}" for i in range(3)]
        users = json.loads((platform.data_dir / "bus-users.json").read_text())
        self.password = users["admin"]
        self.topology = Topology()

    def leader(self) -> str:
        async def ask(js):
            return (await js.stream_info(self.topology.event_stream)).cluster.leader

        return asyncio.run(self._with(ask))

    def messages(self, stream: str) -> list[dict]:
        async def read(js):
            state = (await js.stream_info(stream)).state
            found = []
            for seq in range(state.first_seq, state.last_seq + 1) if state.messages else ():
                found.append(json.loads((await js.get_msg(stream, seq)).data))
            return found

        return asyncio.run(self._with(read))

    async def _with(self, work):
        nc = await nats.connect(self.urls, user="admin", password=self.password)
        try:
            return await work(nc.jetstream())
        finally:
            await nc.close()


def quiesce(workload: Workload, timeout_s: float) -> float:
    """Wait until every accepted training and generation has ended; return the seconds."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if all(_ended(account) for account in workload.accounts):
            return time.monotonic() - started
        time.sleep(2)
    return float("inf")


def _ended(account: Account) -> bool:
    """Whether all its trainings and generations have ended: the newest 100 of each from the
    list, the others one by one (once seen ended, an item is not asked again)."""
    for kind, ids in (("trainings", account.trainings), ("generations", account.generations)):
        listed = _get(account.http, f"/v1/{kind}", limit=100)
        account.ended |= {v[kind[:-1] + "_id"] for v in listed if v["status"] in FINAL}
        for item in ids - account.ended:
            if _get(account.http, f"/v1/{kind}/{item}")["status"] not in FINAL:
                return False
            account.ended.add(item)
    return True


def _get(http: httpx.Client, path: str, **params) -> dict | list:
    """GET, waiting out the rate limit (the checker reads a lot in a short time)."""
    while True:
        answer = http.get(path, params=params)
        if answer.status_code != 429:
            return answer.raise_for_status().json()
        time.sleep(float(answer.headers.get("Retry-After", 1)))


def check(workload: Workload, bus: Bus) -> list[str]:
    """Every promise, read back from the API and the event stream. Returns the violations."""
    violations = list(workload.violations)
    for op in workload.history:
        # 503: the platform was unavailable just then (a restart), which promises nothing
        if op.kind == "deleted_model" and op.outcome != "unknown" and op.code not in (404, 503):
            violations.append(f"a generation of a deleted model answered {op.code}, not 404")
        if op.kind == "cancel" and op.outcome != "unknown" and op.code not in (202, 409, 503):
            violations.append(f"a cancel of {op.ref} answered {op.code}, not 202 or 409")
    events = bus.messages(bus.topology.event_stream)
    stopped = {e["training_id"]: e for e in events if e["event_type"] == "TrainingCancelled"}
    for account in workload.accounts:
        violations += check_account(account, stopped)
    by_id: dict[str, dict] = {}
    for event in events:
        seen = by_id.setdefault(event["event_id"], event)
        if seen is not event:
            same = "same" if seen == event else "different"
            violations.append(f"event {event['event_id']} published twice ({same} content)")
    return violations


def check_account(account: Account, stopped: dict[str, dict]) -> list[str]:
    """`stopped`: the TrainingCancelled of each cancelled training (its steps run)."""
    who = account.account_id
    violations = []
    entries = _ledger(account)
    balance = 0
    for entry in entries:
        balance += entry["amount"]
        if entry["balance_after"] != balance:
            violations.append(
                f"{who}: ledger {entry['seq']} says {entry['balance_after']}, sum {balance}"
            )
        if entry["balance_after"] < 0:
            violations.append(f"{who}: balance {entry['balance_after']} below zero")
    if _get(account.http, "/v1/account")["credits"] != balance:
        violations.append(f"{who}: balance differs from the sum of its ledger ({balance})")
    causes = Counter((e["kind"], e["reference"]) for e in entries if e["reference"])
    violations += [f"{who}: {n} ledger entries for {cause}" for cause, n in causes.items() if n > 1]
    kinds_of, net_of = {}, Counter()
    for entry in entries:
        kinds_of.setdefault(entry["reference"], []).append(entry["kind"])
        net_of[entry["reference"]] += entry["amount"]
    for generation in account.generations:
        view = _get(account.http, f"/v1/generations/{generation}")
        kinds = sorted(kinds_of.get(generation, []))
        expected = {
            "payment_failed": ["generation_debit_rejected"],  # a record, nothing taken
            "completed": ["generation_debit"],
            "failed": ["generation_debit", "generation_refund"],
        }.get(view["status"])
        if expected is None:
            violations.append(f"{who}: generation {generation} never ended ({view['status']})")
        elif kinds != expected:
            violations.append(f"{who}: generation {generation} {view['status']} with {kinds}")
        elif net_of[generation] != -CREDITS_PER_IMAGE * len(view.get("images") or []):
            violations.append(
                f"{who}: generation {generation} {view['status']} cost {net_of[generation]}"
            )
        elif view["status"] == "completed":
            for image in view["images"]:
                if httpx.get(image["url"], timeout=30).content[:4] != b"\x89PNG":
                    violations.append(f"{who}: generation {generation} image unreadable")
    for training in account.trainings:
        view = _get(account.http, f"/v1/trainings/{training}")
        kinds = sorted(kinds_of.get(training, []))
        expected = {
            "rejected": [[]],
            "payment_failed": [["training_charge_rejected"]],
            "completed": [["training_charge"]],
            "failed": [["training_charge", "training_refund"], []],
            "cancelled": [["training_charge", "training_refund"]],
        }.get(view["status"])
        if expected is None:
            violations.append(f"{who}: training {training} never ended ({view['status']})")
        elif kinds not in expected:
            violations.append(f"{who}: training {training} {view['status']} with {kinds}")
        elif view["status"] == "cancelled":
            violations += _cancel_refund(who, training, entries, stopped.get(training))
    return violations


def _cancel_refund(who: str, training: str, entries: list[dict], stop: dict | None) -> list:
    """A cancelled training got back exactly the unrun share of the steps it ran."""
    if stop is None:
        return [f"{who}: training {training} cancelled without a TrainingCancelled"]
    [charge] = [e for e in entries if e["reference"] == training and e["kind"] == "training_charge"]
    [refund] = [e for e in entries if e["reference"] == training and e["kind"] == "training_refund"]
    due = refunds.unrun_share(-charge["amount"], stop["steps_run"], stop["total_steps"])
    if refund["amount"] != due:
        return [f"{who}: training {training} cancelled at {stop['steps_run']}: {refund['amount']}"
                f" back, {due} due"]  # fmt: skip
    return []


def _ledger(account: Account) -> list[dict]:
    entries, before = [], None
    while True:
        params = {"limit": 100} | ({"before": before} if before else {})
        page = _get(account.http, "/v1/ledger", **params)
        entries += page["entries"]
        before = page.get("next_before")
        if not before:
            return sorted(entries, key=lambda e: e["seq"])


def resolve_unknowns(workload: Workload) -> int:
    """A lost answer: what the platform did shows afterwards in the account's lists and
    ledger, so those trainings and generations are checked like the others."""
    unknown = [op for op in workload.history if op.outcome == "unknown"]
    for account in workload.accounts:
        account.generations |= {
            g["generation_id"] for g in _get(account.http, "/v1/generations", limit=100)
        }
        account.trainings |= {
            t["training_id"] for t in _get(account.http, "/v1/trainings", limit=100)
        }
        for entry in _ledger(account):
            if entry["kind"].startswith("generation_"):
                account.generations.add(entry["reference"])
            elif entry["kind"].startswith("training_"):
                account.trainings.add(entry["reference"])
    return len(unknown)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=120, help="seconds of faults")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--accounts", type=int, default=3)
    parser.add_argument("--quiesce", type=float, default=600, help="most seconds to settle")
    parser.add_argument(
        "--apart",
        type=float,
        nargs=2,
        default=(8, 20),
        metavar=("MIN", "MAX"),
        help="seconds between two faults (a soak: long, so processes live long enough)",
    )
    args = parser.parse_args(argv)
    data = Path(tempfile.mkdtemp(prefix="aitrain-chaos-"))
    env = platform_env(
        data,
        AITRAIN_ADMIN_TOKEN=ADMIN,
        S3_SECRET_KEY="chaos-s3-secret",
        AITRAIN_NATS_NODES="3",
        AITRAIN_REPLICAS=REPLICAS,
        RATE_LIMIT_SCALE="0",
        TRAINER_SAMPLE_EVERY_STEPS="0",
    )
    print(f"chaos: seed {args.seed}, {args.duration:.0f} s of faults, data in {data}", flush=True)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops the platform too, as Ctrl-C does
    with started(env) as platform:
        text, violations, _ = run(
            platform, args.duration, args.seed, args.accounts, args.quiesce, tuple(args.apart)
        )
    print(text)
    return 1 if violations else 0


def run(
    platform,
    duration_s: float,
    seed: int,
    accounts: int = 3,
    quiesce_s: float = 600,
    apart_s: tuple[float, float] = (8, 20),
):
    """The workload and the faults for `duration_s` on a running multi-node platform (url,
    env, data_dir, child_pids, restart: aitrain_local.started.Launched), then the check.
    Returns the report, the violations and the faults done by kind."""
    rng = random.Random(seed)
    bus = Bus(platform)
    workload = Workload(platform, rng, accounts)
    faults = Faults(platform, random.Random(rng.random()), bus, apart_s)
    memory = Memory(platform)
    sampler = threading.Thread(target=memory.run, daemon=True)
    sampler.start()
    stop = threading.Event()  # the workload goes on while faults come
    threads = [
        threading.Thread(target=workload.run, args=(stop, a, random.Random(rng.random())))
        for a in workload.accounts
    ] + [threading.Thread(target=_refresh, args=(workload, stop), daemon=True)]
    for thread in threads:
        thread.start()
    try:
        faults.run(until=time.monotonic() + duration_s)
    finally:  # Ctrl-C too: the workload stops, so the process can end
        stop.set()
        memory.stop.set()
    for thread in threads:
        thread.join()
    unknown = resolve_unknowns(workload)
    settled_s = quiesce(workload, quiesce_s)
    sampler.join()
    rss = memory.table()
    violations = check(workload, bus) + memory.leaks(rss)
    dead = bus.messages(bus.topology.dead_letter_stream)
    text = report(workload, faults, violations, dead, unknown, settled_s, rss)
    return text, violations, dict(faults.done)


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def _refresh(workload: Workload, stop: threading.Event) -> None:
    while not stop.is_set():
        workload.refresh_models()
        time.sleep(3)


def report(workload, faults, violations, dead, unknown, settled_s, rss) -> str:
    ops = Counter((op.kind, op.outcome, str(op.code or "-")) for op in workload.history)
    lines = ["operations (kind, outcome, HTTP status: count):"]
    lines += [
        f"  {k:<16} {outcome:<8} {code:<4} {n}" for (k, outcome, code), n in sorted(ops.items())
    ]
    lines += ["faults:"] + [f"  {kind:<16} {n}" for kind, n in sorted(faults.done.items())]
    lines += [f"answers lost and resolved afterwards: {unknown}"]
    lines += [f"time to quiescence: {settled_s:.0f} s"]
    lines += ["memory (RSS; growth within each process's life after its warm-up):"]
    lines += [
        f"  {row['name']:<12} {row['processes']:>2} processes  last {row['last_mib']:>6.0f} MiB"
        f"  max {row['max_mib']:>6.0f} MiB  growth {row['growth_mib_per_h']:>+7.1f} MiB/h"
        f" over {row['span_s'] / 60:.0f} min"
        for row in rss
    ]
    lines += [f"dead letters: {len(dead)}"]
    lines += [f"  {d['consumer']}: {d['reason'][:120]}" for d in dead]
    lines += [f"violations: {len(violations)}"] + [f"  {v}" for v in violations]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
