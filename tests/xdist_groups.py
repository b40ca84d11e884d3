"""How `make test` shares the tests between its workers (pytest-xdist): a group of tests goes
whole to one worker, the costliest groups first, the others to whichever worker is free.

A group is a module, so its module fixtures are built once, except that the e2e tests that
share the one platform (tests/e2e/conftest.py) are one group, run where it was started.
The costliest groups go first so that no long one is left for the end while the other
worker idles: the e2e platform's, then the other e2e modules, then the integration tests, the
trainer's and the launcher's (they train or start processes), then the rest, larger first.

xdist's own `loadgroup` cannot do this on pytest 9 (it renames items, which pytest 9 no
longer allows) and tracks items by node id, which schemathesis gives one per operation of
the API fuzz test; here items are tracked by their index.
"""

from collections.abc import Sequence

from xdist.remote import Producer
from xdist.report import report_collection_diff
from xdist.workermanage import WorkerController, parse_tx_spec_config

SHARED_PLATFORM = "tests/e2e/"
OWN_PLATFORM = ("tests/e2e/test_cluster.py",)  # a 3-node platform of its own
COSTLIEST_FIRST = (
    SHARED_PLATFORM,
    "tests/integration/",
    "services/trainer/tests/",
    "deploy/local/tests/",
)
MORE_WHEN_LEFT = 2
"""A worker is given its next group when this few of its tests are left: it keeps the last
one until it knows what comes after it."""


def group_of(nodeid: str) -> str:
    module = nodeid.split("::")[0]
    if module.startswith(SHARED_PLATFORM) and module not in OWN_PLATFORM:
        return "e2e platform"
    return module


def cost_rank(group: str, size: int) -> tuple[int, int, int]:
    """Sorts the costliest first: the shared platform, then by where the module lives, then
    by number of tests."""
    kind = "tests/e2e/" if group == "e2e platform" else group
    place = next((i for i, p in enumerate(COSTLIEST_FIRST) if kind.startswith(p)), 99)
    return (group != "e2e platform", place, -size)


class GroupScheduling:
    """An xdist scheduler (its `Scheduling` protocol), chosen in the root conftest.py."""

    def __init__(self, config, log: Producer | None = None):
        self.numnodes = len(parse_tx_spec_config(config))
        self.log = log.groupsched if log else Producer("groupsched")
        self.collection: list[str] | None = None
        self.collections: dict[WorkerController, list[str]] = {}
        self.queue: list[list[int]] = []
        self.running: dict[WorkerController, list[int]] = {}
        """Each worker's tests (indexes into the collection) not reported complete yet."""

    @property
    def nodes(self) -> list[WorkerController]:
        return list(self.running)

    @property
    def collection_is_completed(self) -> bool:
        return len(self.collections) >= self.numnodes

    @property
    def tests_finished(self) -> bool:
        if not self.collection_is_completed or self.queue:
            return False
        return all(len(left) < MORE_WHEN_LEFT for left in self.running.values())

    @property
    def has_pending(self) -> bool:
        return bool(self.queue) or any(self.running.values())

    def add_node(self, node: WorkerController) -> None:
        self.running[node] = []

    def add_node_collection(self, node: WorkerController, collection: Sequence[str]) -> None:
        if self.collection is not None and list(collection) != self.collection:
            first = next(iter(self.collections))
            self.log(report_collection_diff(self.collection, collection, first.gateway.id,
                                            node.gateway.id))  # fmt: skip
            return
        self.collections[node] = list(collection)

    def schedule(self) -> None:
        if self.collection is not None:  # a node added later
            for node in self.nodes:
                self._give_more(node)
            return
        collections = list(self.collections.values())
        if any(c != collections[0] for c in collections):
            self.log("**Different tests collected, aborting run**")
            return
        self.collection = collections[0]
        groups: dict[str, list[int]] = {}
        for index, nodeid in enumerate(self.collection):
            groups.setdefault(group_of(nodeid), []).append(index)
        ranked = sorted(groups.items(), key=lambda g: cost_rank(g[0], len(g[1])))
        self.queue = [indexes for _, indexes in ranked]
        for node in self.nodes:  # one group each first: the costliest start side by side
            if self.queue:
                self._send(node, self.queue.pop(0))
        for node in self.nodes:
            self._give_more(node)

    def mark_test_complete(self, node: WorkerController, item_index: int, duration=0) -> None:
        self.running[node].remove(item_index)
        self._give_more(node)

    def remove_node(self, node: WorkerController) -> str | None:
        """A worker gone: None when it had nothing left, else the test it died in (its other
        tests go back to the front of the queue)."""
        left = self.running.pop(node)
        if not left:
            return None
        crashed, *rest = left
        if rest:
            self.queue.insert(0, rest)
        return self.collection[crashed]

    def _give_more(self, node: WorkerController) -> None:
        if node.shutting_down:
            return
        while self.queue and len(self.running[node]) <= MORE_WHEN_LEFT:
            self._send(node, self.queue.pop(0))
        if not self.queue:
            node.shutdown()  # it runs what it holds, then stops

    def _send(self, node: WorkerController, group: list[int]) -> None:
        self.running[node].extend(group)
        node.send_runtest_some(group)

    def mark_test_pending(self, item: str) -> None:
        raise NotImplementedError  # only xdist's work-stealing scheduler asks

    def remove_pending_tests_from_node(self, node: WorkerController, indices) -> None:
        raise NotImplementedError  # only xdist's work-stealing scheduler asks
