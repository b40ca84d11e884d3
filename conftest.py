# Fixtures that start the real embedded servers (see deploy/local/src/aitrain_local/testing.py).
import os
import sys

import pytest

pytest_plugins = ["aitrain_local.testing"]


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist (`make test` runs one worker per core), torch uses one thread per
    process, in the workers and in the services they start: its threads spin while they
    wait, so processes that each use every core slow each other down far more than they gain."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    os.environ["OMP_NUM_THREADS"] = os.environ["TORCH_THREADS"] = "1"
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    from xdist_groups import GroupScheduling  # tests/ is on pytest's pythonpath

    return GroupScheduling(config, log)
