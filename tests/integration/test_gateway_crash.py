"""The outbox against a real crash: the gateway process is SIGKILLed after it saved a training
and before it published DatasetUploaded. Restarted, it publishes it: the training goes on to
be checked and paid, and the stream holds exactly one DatasetUploaded for it."""

import json
import sys

import dataset_images as photos
import httpx
import nats
import pytest
from bus_helpers import eventually, running

from aitrain_local.process import ChildProcess, free_port, port_open
from billing.config import Settings as BillingSettings
from billing.main import create_app as create_billing
from contracts.events import DatasetUploaded
from dataset.config import Settings as DatasetSettings
from dataset.main import create_app as create_dataset

pytestmark = pytest.mark.integration
ADMIN = "test-admin-token-crash"


def gateway_process(service_env, tmp_path, port: int, fault: str = "") -> ChildProcess:
    env = service_env | {
        "GATEWAY_PORT": str(port),
        "AITRAIN_ADMIN_TOKEN": ADMIN,
        "AITRAIN_FAULT": fault,
    }
    log = tmp_path / f"gateway{'-' + fault if fault else ''}.log"
    process = ChildProcess("gateway", [sys.executable, "-m", "gateway"], log, env)
    process.start()
    process.wait_ready(lambda: port_open(port), 30)
    return process


async def uploads_on_the_stream(nats_url: str, topology, training_id: str) -> int:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(topology.event_stream)
        subject = topology.subject(DatasetUploaded)
        count = 0
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await js.get_msg(topology.event_stream, seq)
            if msg.subject == subject and json.loads(msg.data)["training_id"] == training_id:
                count += 1
        return count
    finally:
        await nc.close()


async def test_a_training_saved_before_a_crash_is_announced_after_the_restart(
    service_env, embedded, topology, tmp_path
):
    env = {k.lower(): v for k, v in service_env.items()}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    files = [("images", (name, data, "image/jpeg")) for name, data in photos.portraits(15)]
    form = {"data": {"type": "character", "keyword": "customastromodel"}, "files": files}
    async with (
        running(create_billing(BillingSettings(**env)), create_dataset(DatasetSettings(**env))),
        httpx.AsyncClient(base_url=url, timeout=60) as http,
    ):
        first = gateway_process(service_env, tmp_path, port)
        made = (
            await http.post("/v1/accounts", headers={"Authorization": f"Bearer {ADMIN}"})
        ).json()
        me = {"Authorization": f"Bearer {made['api_key']}"}
        admin = {"Authorization": f"Bearer {ADMIN}"}
        plan = {"plan": "pro", "reason": "paid"}
        assert (
            await http.put(f"/v1/accounts/{made['account_id']}/plan", json=plan, headers=admin)
        ).is_success
        first.stop()

        doomed = gateway_process(service_env, tmp_path, port, "gateway.saved_not_published")
        with pytest.raises(httpx.HTTPError):  # the process dies mid-request
            await http.post("/v1/trainings", headers=me, **form)
        doomed.popen.wait(10)
        assert not doomed.alive()

        restarted = gateway_process(service_env, tmp_path, port)
        try:
            [training] = (await http.get("/v1/trainings", headers=me)).json()
            training_id = training["training_id"]

            async def paid() -> bool:
                view = (await http.get(f"/v1/trainings/{training_id}", headers=me)).json()
                return view["status"] == "queued"

            await eventually(paid, timeout_s=90)
            assert await uploads_on_the_stream(embedded.nats_url, topology, training_id) == 1
            account = (await http.get("/v1/account", headers=me)).json()
            assert account["free_trainings"] == 0
        finally:
            restarted.stop()
