"""The operator's dead letters through the admin API, on the real servers with billing
running for real: a refund parked because billing was started with the wrong database is
replayed once billing runs with the right one, and refunds exactly once; a malformed event
is parked again under a new id (by the gateway, which owns the other consumer that parked
it); a replay while billing is down is a 503."""

from contextlib import asynccontextmanager

import billing_events as ev
import httpx
import nats
import pytest
from bus_helpers import eventually, running

from billing.config import Settings as BillingSettings
from billing.main import create_app as create_billing
from contracts.bus import Delivery, connect_bus
from contracts.events import DatasetValidated, TrainingCharged, TrainingFailed, TrainingRefunded
from gateway.config import Settings as GatewaySettings
from gateway.main import create_app as create_gateway

pytestmark = pytest.mark.integration
ADMIN_TOKEN = "test-admin-token-dlq"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
LETTERS = "/v1/admin/dead-letters"


def env(service_env: dict[str, str], **overrides: str) -> dict[str, str]:
    settings = {k.lower(): v for k, v in service_env.items()}
    return settings | {"aitrain_admin_token": ADMIN_TOKEN} | overrides


@asynccontextmanager
async def billing(service_env, topology, **overrides: str):
    """Billing as its process runs it (quick retries, so a poison is parked in a second)."""
    settings = BillingSettings(**env(service_env, **overrides))
    bus = connect_bus("billing", settings.nats_url, topology)
    async with running(create_billing(settings, bus=bus)):
        yield


@asynccontextmanager
async def gateway(service_env):
    app = create_gateway(GatewaySettings(**env(service_env)))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://gateway", timeout=60) as http,
    ):
        yield http


@asynccontextmanager
async def other_services(embedded, topology):
    """Publishes what dataset and trainer would; collects billing's training outcomes."""
    bus = connect_bus("others", embedded.nats_url, topology)
    bus.produces(DatasetValidated, TrainingFailed)
    bus.seen = []

    async def collect(event, delivery: Delivery) -> None:
        bus.seen.append(event)

    bus.consume("outcomes", {TrainingCharged: collect, TrainingRefunded: collect})
    await bus.start()
    try:
        yield bus
    finally:
        await bus.stop()


async def letters(http) -> list[dict]:
    listed = await http.get(LETTERS, headers=ADMIN)
    assert listed.status_code == 200, listed.text
    return listed.json()


async def test_a_parked_refund_is_replayed_once_after_the_fix(service_env, embedded, topology):
    async with gateway(service_env) as http, other_services(embedded, topology) as others:
        made = (await http.post("/v1/accounts", headers=ADMIN)).json()
        account, key = made["account_id"], {"Authorization": f"Bearer {made['api_key']}"}
        charge = ev.validated(account)
        async with billing(service_env, topology):
            bought = await http.post(
                f"/v1/accounts/{account}/credits",
                json={"credits": 1000, "reason": "invoice 1"},
                headers=ADMIN,
            )
            assert bought.status_code == 200, bought.text
            await others.publish(charge)
            await eventually(lambda: [type(e) for e in others.seen] == [TrainingCharged])

        # billing restarted pointing at another database: it finds no charge to refund
        async with billing(service_env, topology, aitrain_db_prefix=f"{topology.prefix}x"):
            await others.publish(ev.training_failed(account, charge.training_id))
            nc = await nats.connect(embedded.nats_url)
            garbage = b'{"training_id": 7}'
            await nc.jetstream().publish(topology.subject(TrainingFailed), garbage)
            await nc.close()
            await eventually(lambda: _count(http, 4))
        # the malformed event is parked by each of its consumers: billing's and the gateway's
        # two (views, webhooks); the refund by billing, after its retries
        by_what = {(x["consumer"], x["event_type"]): x for x in await letters(http)}
        assert by_what["gateway-webhooks", None]["event_id"] is None
        refund = by_what["billing-ledger", "TrainingFailed"]
        assert refund["reason"].startswith("gave up: ChargeNotFound")
        assert by_what["billing-ledger", None]["event_id"] is None
        malformed = by_what["gateway-views", None]
        shown = (await http.get(f"{LETTERS}/{refund['id']}", headers=ADMIN)).json()
        assert charge.training_id in shown["payload"]

        down = await http.post(f"{LETTERS}/{refund['id']}/replay", headers=ADMIN)
        assert down.status_code == 503, down.text
        assert "start billing" in down.json()["detail"]

        async with billing(service_env, topology):  # the right database again
            replayed = await http.post(f"{LETTERS}/{refund['id']}/replay", headers=ADMIN)
            assert replayed.status_code == 200, replayed.text
            assert replayed.json()["outcome"] == "handled"
            ledger = (await http.get("/v1/ledger", headers=key)).json()["entries"]
            assert [entry["amount"] for entry in ledger] == [1000, -1000, 1000]  # one refund
            await eventually(lambda: len(others.seen) == 2)
            assert isinstance(others.seen[1], TrainingRefunded)
            again = await http.post(f"{LETTERS}/{refund['id']}/replay", headers=ADMIN)
            assert again.status_code == 404
        assert refund["id"] not in [letter["id"] for letter in await letters(http)]

        parked = await http.post(f"{LETTERS}/{malformed['id']}/replay", headers=ADMIN)
        assert parked.json()["outcome"] == "parked again", parked.text
        assert parked.json()["reason"].startswith("invalid TrainingFailed")
        new_id = parked.json()["new_id"]
        assert (await http.get(f"{LETTERS}/{malformed['id']}", headers=ADMIN)).status_code == 404
        assert (await http.get(f"{LETTERS}/{new_id}", headers=ADMIN)).json()["deliveries"] == 2

        for letter in await letters(http):
            dropped = await http.delete(f"{LETTERS}/{letter['id']}", headers=ADMIN)
            assert dropped.status_code == 204
        assert await letters(http) == []
        assert (await http.delete(f"{LETTERS}/{new_id}", headers=ADMIN)).status_code == 404
        assert len(others.seen) == 2  # the refund happened once, whatever was replayed


async def _count(http, wanted: int) -> bool:
    return len(await letters(http)) == wanted
