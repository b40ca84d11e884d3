"""MONGO_URL points the test fixtures at another MongoDB (a real one, wherever there is one):
the port suites then write there, not to an embedded server of their own."""

import os
import subprocess
import sys
from pathlib import Path

from pymongo import MongoClient

from aitrain_local import servers
from aitrain_local.process import free_port

ROOT = Path(__file__).resolve().parents[3]


def test_the_port_suites_use_the_mongodb_that_mongo_url_names(tmp_path):
    port = free_port()
    url = f"mongodb://127.0.0.1:{port}"
    other = servers.mongo_server(tmp_path, port, tmp_path / "logs")  # stands in for a real one
    other.start()
    try:
        other.wait_ready(lambda: servers.mongo_ready(url), 30)
        suite = "services/gateway/tests/test_store_ports.py::test_accounts_and_keys"
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-n", "0", "-q", "-p", "no:cacheprovider", suite],
            cwd=ROOT,
            env=os.environ | {"MONGO_URL": url},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stdout[-3000:]
        assert "2 passed" in run.stdout  # the fake and the MongoDB store
        with MongoClient(url) as client:
            written = [n for n in client.list_database_names() if n.startswith("gateway_port_")]
            [database] = written
            assert client[database]["api_keys"].count_documents({}) == 2
    finally:
        other.stop()
