"""tests/xdist_groups.py, the scheduler `make test` shares its workers with: every test is
handed out exactly once (also tests that share a node id, as schemathesis' do), a module and
the shared e2e platform's tests go whole to one worker, the costliest first, and a worker
that dies gives its other tests back."""

from types import SimpleNamespace

from xdist_groups import GroupScheduling, group_of

COLLECTION = [
    "services/gateway/tests/test_a.py::test_one",
    "services/gateway/tests/test_a.py::test_two",
    "tests/e2e/test_dashboard.py::test_clicks",
    "tests/e2e/test_cluster.py::test_chaos",
    "tests/security/test_api_fuzz.py::test_fuzz",  # three operations, one node id
    "tests/security/test_api_fuzz.py::test_fuzz",
    "tests/security/test_api_fuzz.py::test_fuzz",
    "tests/e2e/test_main_story.py::test_demo",
    "tests/integration/test_two_models.py::test_together",
]


class Worker:
    def __init__(self, name: str):
        self.gateway = SimpleNamespace(id=name)
        self.sent: list[list[int]] = []
        self.shutting_down = False

    def send_runtest_some(self, indexes: list[int]) -> None:
        self.sent.append(list(indexes))

    def shutdown(self) -> None:
        self.shutting_down = True


def scheduler(*workers: Worker) -> GroupScheduling:
    """As xdist runs it with `-n <workers>`: each worker joins and sends what it collected."""
    tx = [f"{len(workers)}*popen"]  # what `-n` becomes
    sched = GroupScheduling(SimpleNamespace(getvalue=lambda name: tx if name == "tx" else None))
    for worker in workers:
        sched.add_node(worker)
        sched.add_node_collection(worker, COLLECTION)
    sched.schedule()
    return sched


def run_all(sched: GroupScheduling, *workers: Worker) -> None:
    """Each worker reports its tests done, one at a time, in turn, until none is left."""
    while sched.has_pending:
        for worker in workers:
            if sched.running.get(worker):
                sched.mark_test_complete(worker, sched.running[worker][0])


def test_every_test_is_handed_out_once_even_when_node_ids_repeat():
    a, b = Worker("gw0"), Worker("gw1")
    sched = scheduler(a, b)
    run_all(sched, a, b)
    sent = [i for worker in (a, b) for group in worker.sent for i in group]
    assert sorted(sent) == list(range(len(COLLECTION)))
    assert sched.tests_finished and a.shutting_down and b.shutting_down


def test_groups_go_whole_to_one_worker_the_shared_platform_first():
    a, b = Worker("gw0"), Worker("gw1")
    scheduler(a, b)
    first = [COLLECTION[i] for i in a.sent[0]]
    assert first == ["tests/e2e/test_dashboard.py::test_clicks",
                     "tests/e2e/test_main_story.py::test_demo"]  # fmt: skip
    assert [COLLECTION[i] for i in b.sent[0]] == ["tests/e2e/test_cluster.py::test_chaos"]
    assert group_of("tests/e2e/test_cluster.py::test_chaos") == "tests/e2e/test_cluster.py"
    for worker in (a, b):
        for group in worker.sent:
            assert len({group_of(COLLECTION[i]) for i in group}) == 1


def test_a_worker_that_dies_gives_its_other_tests_back():
    a, b = Worker("gw0"), Worker("gw1")
    sched = scheduler(a, b)
    held = list(sched.running[a])
    crashed = sched.remove_node(a)
    assert crashed == COLLECTION[held[0]]
    run_all(sched, b)
    assert set(held[1:]) <= {i for group in b.sent for i in group}
