"""Check before paying over HTTP, with the dataset and billing services running for real:
the report and the price at once, nothing charged or announced, the keyword left free, and
the checked photos deleted after the (here shortened) keep time."""

import time
from contextlib import asynccontextmanager

import dataset_images as photos
import httpx
import pytest
from bus_helpers import eventually, running

from aitrain_local import servers
from billing.config import Settings as BillingSettings
from billing.main import create_app as create_billing
from contracts.bus import connect_bus
from contracts.events import DatasetUploaded, TrainingCharged
from dataset.config import Settings as DatasetSettings
from dataset.main import create_app as create_dataset
from gateway.config import Settings as GatewaySettings
from gateway.main import create_app as create_gateway

pytestmark = pytest.mark.integration
ADMIN = "test-admin-token-checks"
KEEP_S = 4  # DATASET_KEEP_DRY_RUN_S, a day when deployed


@asynccontextmanager
async def platform(service_env):
    env = {k.lower(): v for k, v in service_env.items()} | {"aitrain_admin_token": ADMIN}
    quick = {"dataset_keep_dry_run_s": KEEP_S, "dataset_sweep_s": 0.5}
    gateway = create_gateway(GatewaySettings(**env))
    async with (
        running(
            create_billing(BillingSettings(**env)), create_dataset(DatasetSettings(**env, **quick))
        ),
        gateway.router.lifespan_context(gateway),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=gateway), base_url="http://gateway", timeout=60
        ) as client,
    ):
        yield client


def form(named, keyword="customcheckmodel"):
    files = [("images", (name, data, "image/jpeg")) for name, data in named]
    return {"data": {"type": "object", "keyword": keyword}, "files": files}


async def test_a_dry_run_reports_and_prices_charges_nothing_and_its_photos_go(
    service_env, embedded
):
    heard = []
    bus = connect_bus("stand-in", service_env["NATS_URL"], GatewaySettings(
        **{k.lower(): v for k, v in service_env.items()}).topology())  # fmt: skip

    async def hear(event) -> None:
        heard.append(event)

    for event in (DatasetUploaded, TrainingCharged):
        bus.listen(event, hear)
    s3 = servers.s3_client(embedded.s3_endpoint, embedded.s3)
    async with platform(service_env) as client:
        await bus.start()
        try:
            made = (
                await client.post("/v1/accounts", headers={"Authorization": f"Bearer {ADMIN}"})
            ).json()
            me = {"Authorization": f"Bearer {made['api_key']}"}
            admin = {"Authorization": f"Bearer {ADMIN}"}
            body = {"plan": "pro", "reason": "paid"}
            await client.put(f"/v1/accounts/{made['account_id']}/plan", json=body, headers=admin)
            ledger = (await client.get("/v1/ledger", headers=me)).json()["entries"]

            named = [*photos.portraits(14), ("07.jpg", photos.blurred())]
            started = time.monotonic()
            answer = await client.post("/v1/trainings?dry_run=true", headers=me, **form(named))
            took = time.monotonic() - started
            assert answer.status_code == 200, answer.text
            checked = answer.json()
            bad = [i["name"] for i in checked["report"]["images"] if i["findings"]]
            assert "07.jpg" in bad
            assert checked["price"] == {
                "credits": 0, "uses_free_training": True, "balance": 0, "covered": True
            }  # fmt: skip
            assert (checked["photos_ok"], checked["keyword"]["usable"]) == (False, True)
            assert took < 25, took

            assert (await client.get("/v1/ledger", headers=me)).json()["entries"] == ledger
            assert (await client.get("/v1/trainings", headers=me)).json() == []
            assert heard == []  # no DatasetUploaded, no TrainingCharged

            folder = f"originals/{made['account_id']}/{checked['check_id']}/"

            def stored() -> list[str]:
                listed = s3.list_objects(embedded.bucket, prefix=folder, recursive=True)
                return [o.object_name for o in listed]

            assert len(stored()) == 15
            await eventually(lambda: stored() == [], timeout_s=KEEP_S + 10)

            again = await client.post("/v1/trainings", headers=me, **form(named))
            assert again.status_code == 202, again.text  # the check reserved no keyword
            await eventually(lambda: len(heard) == 1)  # and the listener does hear a training

            refused = await client.post(
                "/v1/trainings?dry_run=true", headers=me, **form(named[:14], keyword="x y")
            )
            assert refused.status_code == 422
            assert "lowercase letters or digits" in refused.json()["detail"]
        finally:
            await bus.stop()
