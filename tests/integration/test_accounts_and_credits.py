"""Accounts, keys, plans, credits and the ledger over HTTP, with billing running for real."""

import asyncio
from contextlib import asynccontextmanager

import httpx
import pytest
from bus_helpers import running

from billing.config import Settings as BillingSettings
from billing.main import create_app as create_billing
from gateway.config import Settings as GatewaySettings
from gateway.main import create_app as create_gateway

pytestmark = pytest.mark.integration
ADMIN = "test-admin-token-7c1e"


def env(service_env: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in service_env.items()} | {"aitrain_admin_token": ADMIN}


@asynccontextmanager
async def platform(service_env):
    gateway = create_gateway(GatewaySettings(**env(service_env)))
    async with (
        running(create_billing(BillingSettings(**env(service_env)))),
        gateway.router.lifespan_context(gateway),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=gateway), base_url="http://gateway"
        ) as client,
    ):
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def new_account(client) -> tuple[str, str]:
    made = await client.post("/v1/accounts", headers=bearer(ADMIN))
    assert made.status_code == 201, made.text
    return made.json()["account_id"], made.json()["api_key"]


@pytest.fixture
async def client(service_env):
    async with platform(service_env) as client:
        yield client


async def test_a_new_account_buys_a_plan_gets_its_free_training_once_and_buys_credits(client):
    account_id, key = await new_account(client)
    me = await client.get("/v1/account", headers=bearer(key))
    assert me.json() == {
        "account_id": account_id,
        "plan": "free",
        "credits": 0,
        "free_trainings": 0,
        "training_credits": 1000,  # billing's prices, asked along with the balance
        "image_credits": 5,
    }

    asked = await client.post("/v1/subscription", json={"plan": "pro"}, headers=bearer(key))
    assert asked.status_code == 402  # bought, never asked for
    checkout = await client.post("/v1/checkouts", json={"plan": "pro"}, headers=bearer(key))
    assert checkout.status_code == 201, checkout.text
    assert (await client.get("/v1/account", headers=bearer(key))).json()["plan"] == "free"
    paid = await client.post(
        f"/v1/checkouts/{checkout.json()['checkout_id']}/paid",
        json={"reference": "INV-1"},
        headers=bearer(ADMIN),
    )
    assert paid.status_code == 200 and paid.json()["status"] == "paid", paid.text
    me = (await client.get("/v1/account", headers=bearer(key))).json()
    assert (me["plan"], me["free_trainings"]) == ("pro", 1)

    back = await client.post("/v1/subscription", json={"plan": "free"}, headers=bearer(key))
    assert back.status_code == 200, back.text
    for plan in ["standard", "unlimited"]:  # the operator's word
        changed = await client.put(
            f"/v1/accounts/{account_id}/plan",
            json={"plan": plan, "reason": "paid by transfer"},
            headers=bearer(ADMIN),
        )
        assert changed.status_code == 200, changed.text
    assert changed.json()["free_trainings"] == 1  # the first paid plan only
    assert changed.json()["plan"] == "unlimited"

    bought = await client.post(
        f"/v1/accounts/{account_id}/credits",
        json={"credits": 2500, "reason": "invoice 42"},
        headers=bearer(ADMIN) | {"Idempotency-Key": "invoice-42"},
    )
    again = await client.post(
        f"/v1/accounts/{account_id}/credits",
        json={"credits": 2500, "reason": "invoice 42"},
        headers=bearer(ADMIN) | {"Idempotency-Key": "invoice-42"},
    )
    assert bought.json()["credits"] == again.json()["credits"] == 2500

    ledger = (await client.get("/v1/ledger?limit=2", headers=bearer(key))).json()
    assert [e["kind"] for e in ledger["entries"]] == ["purchase", "subscription"]
    assert ledger["entries"][0]["amount"] == 2500
    assert ledger["entries"][0]["description"] == "invoice 42"
    older = await client.get(f"/v1/ledger?before={ledger['next_before']}", headers=bearer(key))
    assert [e["seq"] for e in older.json()["entries"]] == [3, 2, 1]
    assert older.json()["next_before"] is None


async def test_keys_can_be_added_and_revoked(client):
    _, key = await new_account(client)
    second = (await client.post("/v1/api-keys", headers=bearer(key))).json()
    assert (await client.get("/v1/account", headers=bearer(second["api_key"]))).status_code == 200
    revoked = await client.delete(f"/v1/api-keys/{second['key_id']}", headers=bearer(key))
    assert revoked.status_code == 204
    after = await client.get("/v1/account", headers=bearer(second["api_key"]))
    assert after.status_code == 401
    assert "revoked" in after.json()["detail"]
    listed = (await client.get("/v1/api-keys", headers=bearer(key))).json()
    assert [k["revoked"] for k in listed] == [False, True]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"credits": 0, "reason": "x"}, "credits"),
        ({"credits": -5, "reason": "x"}, "credits"),
        ({"credits": 10.5, "reason": "x"}, "credits"),
        ({"credits": "10", "reason": "x"}, "credits"),
        ({"credits": 10}, "reason"),
    ],
)
async def test_bad_credit_amounts_are_refused_with_what_to_fix(client, body, field):
    account_id, _ = await new_account(client)
    response = await client.post(
        f"/v1/accounts/{account_id}/credits", json=body, headers=bearer(ADMIN)
    )
    assert response.status_code == 422
    assert field in str(response.json()["detail"])


async def test_unknown_plan_is_refused_and_names_the_plans(client):
    _, key = await new_account(client)
    response = await client.post("/v1/subscription", json={"plan": "gold"}, headers=bearer(key))
    assert response.status_code == 422
    assert "standard" in str(response.json()["detail"])


async def test_who_may_do_what(client):
    account_id, key = await new_account(client)
    _, other_key = await new_account(client)
    cases = [
        ("GET", "/v1/account", {}, 401),
        ("GET", "/v1/account", bearer("ait_nope_nope"), 401),
        ("GET", "/v1/account", bearer("not-a-key"), 401),
        ("POST", "/v1/accounts", bearer(key), 403),
        ("POST", f"/v1/accounts/{account_id}/credits", bearer(key), 403),
        ("GET", "/v1/account", bearer(ADMIN), 403),
        ("POST", "/v1/accounts/acct_doesnotexist/credits", bearer(ADMIN), 404),
    ]
    for method, path, headers, status in cases:
        body = {"credits": 5, "reason": "x"} if "credits" in path else None
        response = await client.request(method, path, headers=headers, json=body)
        assert response.status_code == status, (method, path, response.text)
        assert response.json()["detail"]
    other_keys = (await client.get("/v1/api-keys", headers=bearer(other_key))).json()
    stolen = await client.delete(f"/v1/api-keys/{other_keys[0]['key_id']}", headers=bearer(key))
    assert stolen.status_code == 404  # another account's key: not found, not forbidden
    assert (await client.get("/v1/account", headers=bearer(other_key))).status_code == 200


async def test_billing_down_is_a_503_that_says_so(service_env):
    gateway = create_gateway(GatewaySettings(**env(service_env)))
    async with (
        gateway.router.lifespan_context(gateway),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=gateway), base_url="http://gateway"
        ) as client,
    ):
        _, key = await new_account(client)
        response = await client.get("/v1/account", headers=bearer(key))
    assert response.status_code == 503
    assert "billing" in response.json()["detail"]


async def test_concurrent_purchases_all_land(client):
    account_id, key = await new_account(client)
    results = await asyncio.gather(
        *(
            client.post(
                f"/v1/accounts/{account_id}/credits",
                json={"credits": 10, "reason": f"grant {n}"},
                headers=bearer(ADMIN),
            )
            for n in range(20)
        )
    )
    assert all(r.status_code == 200 for r in results)
    assert (await client.get("/v1/account", headers=bearer(key))).json()["credits"] == 200
