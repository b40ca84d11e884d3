"""The whole story on a 3-node NATS cluster with two processes of each worker
(`AITRAIN_NATS_NODES=3 AITRAIN_REPLICAS=...`, as `make run` takes them), while the node that
leads the event stream and the trainer running a job are killed with SIGKILL.

How the test knows the work was spread: every process logs under its own instance name
(`AITRAIN_INSTANCE`, one log file each), the trainer logs `trainer.training` with the job and
the step it starts from, and each consumer logs `event.handled`. Two trainings seen running at
the same moment must be on two processes (one job per process).
"""

import asyncio
import importlib.util
import json
import os
import signal
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import httpx
import nats
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pymongo import MongoClient

from aitrain_client import AitrainError
from contracts.bus import Topology

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
NODES = 3  # the `cluster` platform's (conftest.py)
STEPS = 200  # checkpoints every 50 (TRAINER_CHECKPOINT_EVERY_STEPS)
GENERATIONS, IMAGES = 4, 2


class Bus:
    """The test's own admin connection to the cluster, for what the API does not show."""

    def __init__(self, platform):
        first = int(platform.env["AITRAIN_NATS_PORT"])
        self.urls = [f"nats://127.0.0.1:{first + i}" for i in range(NODES)]
        users = json.loads((Path(platform.env["AITRAIN_DATA_DIR"]) / "bus-users.json").read_text())
        self.password = users["admin"]
        self.stream = Topology().event_stream

    def leader(self) -> str:
        return asyncio.run(self._leader())

    def events(self) -> list[dict]:
        """Every event on the stream, in stream order."""
        return asyncio.run(self._events())

    async def _connect(self):
        return await nats.connect(self.urls, user="admin", password=self.password)

    async def _leader(self) -> str:
        nc = await self._connect()
        try:
            return (await nc.jetstream().stream_info(self.stream)).cluster.leader
        finally:
            await nc.close()

    async def _events(self) -> list[dict]:
        nc = await self._connect()
        try:
            js = nc.jetstream()
            state = (await js.stream_info(self.stream)).state
            found = []
            for seq in range(state.first_seq, state.last_seq + 1):
                found.append(json.loads((await js.get_msg(self.stream, seq)).data))
            return found
        finally:
            await nc.close()


def kill_the_leader(platform, bus: Bus) -> str:
    """SIGKILL the node leading the event stream; return it once another node leads."""
    leader = bus.leader()
    [pid] = platform.child_pids(f"nats-server .*--name {leader} ")
    os.kill(pid, signal.SIGKILL)
    # an election takes seconds; when the killed node also led the meta group, that group
    # elects first, and on two busy cores (CI) both have taken over 30 s
    deadline, last = time.monotonic() + 90, None
    while time.monotonic() < deadline:
        try:
            last = bus.leader()
            if last not in (leader, ""):
                return leader
        except Exception as exc:  # noqa: BLE001 — no leader yet, while the cluster elects one
            last = repr(exc)
        time.sleep(0.5)
    pytest.fail(f"no new leader for the event stream 90 s after {leader} was killed: {last}")


def runs(platform, training_id: str) -> list[tuple[str, int]]:
    """(instance, first step) of each start of a training, from the trainers' logs."""
    found = []
    for log in sorted(platform.logs.glob("trainer-*.log")):
        for line in log.read_text().splitlines():
            if '"trainer.training"' in line and training_id in line:
                entry = json.loads(line)
                found.append((entry["instance"], entry["timestamp"], entry["from_step"]))
    return [(instance, step) for instance, _, step in sorted(found, key=lambda f: f[1])]


def handled(platform, service: str, consumer: str) -> Counter:
    """Messages each process of `service` handled on `consumer` (from its log)."""
    counts = Counter()
    for log in platform.logs.glob(f"{service}-*.log"):
        for line in log.read_text().splitlines():
            if '"event.handled"' in line and f'"consumer": "{consumer}"' in line:
                counts[json.loads(line)["instance"]] += 1
    return counts


def metric_total(platform, service: str, name: str, **labels: str) -> float:
    """A metric summed over every process of `service`, scraped from the ports `make run`
    lists in metrics-targets.json."""
    targets = json.loads(
        (Path(platform.env["AITRAIN_DATA_DIR"]) / "metrics-targets.json").read_text()
    )
    total = 0.0
    for target in targets:
        if target["labels"]["service"] != service:
            continue
        text = httpx.get(f"http://{target['targets'][0]}/metrics", timeout=10).text
        for family in text_string_to_metric_families(text):
            total += sum(
                sample.value
                for sample in family.samples
                if sample.name == name and labels.items() <= sample.labels.items()
            )
    return total


def test_the_story_survives_losing_the_stream_leader_and_a_trainer(cluster, demo_set):
    bus = Bus(cluster)
    health = httpx.get(f"{cluster.url}/healthz", timeout=10).json()["dependencies"]["nats"]
    assert f"leader {bus.leader()}, replicas nats-" in health["detail"], health
    account_id, client = cluster.account(plan="pro", credits=1000 + GENERATIONS * IMAGES * 5)
    # two at once: a trainer process runs one job at a time, so each replica takes one
    first, second = (
        client.train(demo_set, "object", keyword, steps=STEPS)["training_id"]
        for keyword in ("zxq", "vyk")
    )
    lost_leader = killed = None
    deadline = time.monotonic() + 400
    while True:
        views = {training: client.training(training) for training in (first, second)}
        if all(view["status"] in ("completed", "failed") for view in views.values()):
            break
        steps = [(views[t].get("progress") or {}).get("step", 0) for t in (first, second)]
        if lost_leader is None and steps[0] >= 10 and steps[1] >= 1:
            # both train now: one job per process, so they must be on different ones
            at_once = (runs(cluster, first)[-1][0], runs(cluster, second)[-1][0])
            lost_leader = kill_the_leader(cluster, bus)
        if killed is None and lost_leader and steps[0] >= 60:  # past the checkpoint at 50
            [(instance, _)] = runs(cluster, first)
            os.kill(cluster.replica_pids("trainer")[instance], signal.SIGKILL)
            killed = instance
        assert time.monotonic() < deadline, views
        time.sleep(0.5)
    assert lost_leader and killed, "the trainings ended before the faults could be injected"
    assert [views[first]["status"], views[second]["status"]] == ["completed", "completed"], views

    # each replica ran one of the two at the same time; the killed one's job was handed over
    # and resumed from its checkpoint (by whichever trainer process pulled it first)
    first_runs, second_runs = runs(cluster, first), runs(cluster, second)
    print(f"\nleader {lost_leader} killed; {first}: {first_runs}; {second}: {second_runs}")
    assert at_once[0] != at_once[1], at_once
    assert len(first_runs) == 2 and first_runs[1][1] >= 50, first_runs
    assert len(second_runs) == 1, second_runs

    # generations at once spread over the two inference processes
    model_id = views[first]["model_id"]
    asked = [
        client.generate(model_id, "a zxq", num_outputs=IMAGES, seed=seed)["generation_id"]
        for seed in range(GENERATIONS)
    ]
    done = [client.wait("generations", generation) for generation in asked]
    assert [view["status"] for view in done] == ["completed"] * GENERATIONS, done
    by_inference = handled(cluster, "inference", "inference-credits-debited")
    print(f"generations by process: {dict(by_inference)}")
    assert sorted(by_inference) == ["inference-1", "inference-2"], by_inference
    assert set(handled(cluster, "billing", "billing-ledger")) >= {"billing-1", "billing-2"}

    # what the processes' own metrics say agrees (no inference or billing process was killed)
    assert metric_total(cluster, "inference", "aitrain_adapter_cache_total") == GENERATIONS
    waits = metric_total(
        cluster, "inference", "aitrain_job_queue_wait_seconds_count", job="generation"
    )
    assert waits == GENERATIONS
    debited = metric_total(cluster, "billing", "aitrain_credits_total", movement="debited")
    assert debited == GENERATIONS * IMAGES * 5

    # money: each charge once, nothing refunded
    kinds = Counter(entry["kind"] for entry in client.ledger(50))
    assert kinds["training_charge"] == 2 and kinds["generation_debit"] == GENERATIONS, kinds
    assert not [kind for kind in kinds if "refund" in kind], kinds
    assert client.account()["credits"] == 0

    # events: none doubled, none lost
    events = bus.events()
    ids = Counter(event["event_id"] for event in events)
    assert [i for i, n in ids.items() if n > 1] == []
    mine = Counter(event["event_type"] for event in events if event["account_id"] == account_id)
    expected = {
        "DatasetUploaded": 2,
        "DatasetValidated": 2,
        "TrainingCharged": 2,
        "TrainingCompleted": 2,
        "GenerationRequested": GENERATIONS,
        "CreditsDebited": GENERATIONS,
        "ImageGenerated": GENERATIONS,  # one per generation, holding its images
    }
    assert {kind: mine[kind] for kind in expected} == expected, mine
    assert not {"TrainingFailed", "GenerationFailed", "CreditsRefunded"} & set(mine), mine


def test_a_training_cancelled_as_its_trainer_dies_is_refunded_once(cluster, demo_set):
    """A cancel, and the trainer process running the job SIGKILLed right after it: whichever
    trainer process takes the job (or the cancel) over ends it in one TrainingCancelled with
    the steps it kept, and billing refunds the unrun share of them once."""
    bus = Bus(cluster)
    account_id, client = cluster.account(plan=None, credits=1000)
    training_id = client.train(demo_set, "object", "zxqkill", steps=400)["training_id"]
    deadline = time.monotonic() + 300
    while (client.training(training_id).get("progress") or {}).get("step", 0) < 60:
        assert time.monotonic() < deadline, client.training(training_id)  # past the 50 checkpoint
        time.sleep(0.5)
    [(instance, _)] = runs(cluster, training_id)
    asked = client.cancel(training_id)
    os.kill(cluster.replica_pids("trainer")[instance], signal.SIGKILL)
    assert asked["status"] == "cancelling" and asked["cancel"] is None, asked
    deadline = time.monotonic() + 300  # the job comes back after JetStream's ack wait
    while not (view := client.training(training_id))["refund"]:
        assert time.monotonic() < deadline, view
        time.sleep(1)

    mine = [e for e in bus.events() if e["account_id"] == account_id]
    [stopped] = [e for e in mine if e["event_type"] == "TrainingCancelled"]
    [refunded] = [e for e in mine if e["event_type"] == "TrainingRefunded"]
    print(f"\nkilled {instance} while cancelling; stopped at {stopped['steps_run']} of 400")
    assert 50 <= stopped["steps_run"] < 400 and stopped["total_steps"] == 400
    credits = 1000 * (400 - stopped["steps_run"]) // 400  # contracts.refunds.unrun_share
    assert (refunded["credits_refunded"], refunded["cause"]) == (credits, "cancelled")
    assert view["status"] == "cancelled" and view["refund"]["credits"] == credits
    assert not {"TrainingCompleted", "TrainingFailed"} & {e["event_type"] for e in mine}
    kinds = Counter(entry["kind"] for entry in client.ledger(50))
    assert (kinds["training_charge"], kinds["training_refund"]) == (1, 1), kinds
    assert client.account()["credits"] == credits
    assert client.http.get("/v1/keywords/zxqkill").json()["usable"]  # the keyword is free


def wait_for(client, training_id: str, *statuses: str) -> dict:
    deadline = time.monotonic() + 300
    while (view := client.training(training_id))["status"] not in statuses:
        assert time.monotonic() < deadline, view
        time.sleep(0.5)
    return view


def taken_at(platform, training_id: str) -> datetime:
    """When a trainer took the job from the fair queue (the trainer's own database)."""
    port = platform.env["AITRAIN_MONGO_PORT"]
    with MongoClient(f"mongodb://127.0.0.1:{port}") as mongo:
        entry = mongo["aitrain_trainer"]["queue"].find_one({"_id": training_id})
    at = entry["taken_at"]
    return datetime.fromisoformat(at) if isinstance(at, str) else at


def test_waiting_trainings_of_several_accounts_go_by_plan_on_two_trainers(cluster, demo_set):
    """Both trainers busy; a free, a standard and an unlimited account pay for trainings, in
    that order, then the free one again: each is told its place among all of them, a third
    one of the free account is refused before anything is charged, and once the trainers are
    free they take the unlimited, the standard, then the free ones (contracts.queueing)."""
    _, blocker = cluster.account(plan="pro", credits=2000)
    blocking = [
        blocker.train(demo_set, "object", f"zxqblock{n}", steps=3000)["training_id"] for n in (1, 2)
    ]
    for training_id in blocking:
        wait_for(blocker, training_id, "training")
    _, free = cluster.account(plan=None, credits=2000)
    _, standard = cluster.account(plan="standard", credits=1000)
    _, unlimited = cluster.account(plan="unlimited", credits=1000)
    queued = {}
    for name, client, keyword in (
        ("free-1", free, "zxqfreea"),
        ("standard", standard, "zxqstd"),
        ("unlimited", unlimited, "zxqunl"),
        ("free-2", free, "zxqfreeb"),
    ):
        training_id = client.train(demo_set, "object", keyword, steps=50)["training_id"]
        wait_for(client, training_id, "queued")  # paid: in the queue, in this order
        queued[name] = (client, training_id)
    with pytest.raises(AitrainError) as refused:
        free.train(demo_set, "object", "zxqfreec", steps=50)
    assert refused.value.status == 429 and "the most the free plan allows" in str(refused.value)
    assert free.account()["credits"] == 0  # the two accepted ones paid; the refused one not
    assert Counter(e["kind"] for e in free.ledger(50))["training_charge"] == 2

    queues = {name: client.training(tid)["queue"] for name, (client, tid) in queued.items()}
    print(f"\nqueue while both trainers are busy: {queues}")
    places = {name: queue["place"] for name, queue in queues.items()}
    assert places == {"unlimited": 1, "standard": 2, "free-1": 3, "free-2": 4}, queues
    starts = [queues[name]["starts_in_s"] for name in ("unlimited", "standard", "free-1")]
    assert None in starts or starts == sorted(starts), queues  # None: no job measured yet

    for training_id in blocking:
        blocker.cancel(training_id)
    for client, training_id in queued.values():
        assert wait_for(client, training_id, "completed", "failed")["status"] == "completed"
    order = sorted(queued, key=lambda name: taken_at(cluster, queued[name][1]))
    assert order == ["unlimited", "standard", "free-1", "free-2"], order
    trainers = {instance for _, tid in queued.values() for instance, _ in runs(cluster, tid)}
    assert len(trainers) == 2, trainers  # both trainer processes took turns


def test_a_short_chaos_run_breaks_no_promise(cluster):
    """scripts/chaos.py on the same platform, through one fault of each kind (a service
    killed and one paused, a NATS node, the MongoDB-protocol and the S3 server killed, the
    whole platform restarted; `make chaos` runs longer on a platform of its own): the
    workload, the faults, and the checker's books. Last in this module: it restarts the
    platform."""
    spec = importlib.util.spec_from_file_location("chaos", ROOT / "scripts" / "chaos.py")
    chaos = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(chaos)
    text, violations, faults = chaos.run(
        cluster, duration_s=30, seed=5, accounts=2, quiesce_s=300, apart_s=(3, 8)
    )
    print(f"\n{text}")
    assert violations == []
    assert set(faults) == set(chaos.Faults.KINDS), faults
