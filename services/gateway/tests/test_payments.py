"""Paid plans are bought: a user starts a checkout, and only the operator's confirmation or
the provider's signed webhook changes the plan (in-memory ports)."""

import json
import time

import httpx
import pytest
from gateway_app import ADMIN, fake_gateway, new_account

from contracts.events import SubscriptionRequested
from gateway.adapters.payment_providers import StripePayments
from gateway.domain import payments
from gateway.domain.errors import Unavailable
from gateway.domain.payments import Checkout

ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN}"}
SECRET = "whsec_test_secret"
STRIPE = {"aitrain_payments": "stripe", "stripe_webhook_secret": SECRET}


def plans_asked(ports) -> list[tuple[str, str]]:
    """(account, plan) of every plan change the gateway published."""
    return [
        (event.account_id, event.plan)
        for event in ports.publisher.events
        if isinstance(event, SubscriptionRequested)
    ]


async def test_a_user_cannot_give_themself_a_paid_plan():
    async with fake_gateway() as (http, ports, _):
        _, me = await new_account(http)
        answer = await http.post("/v1/subscription", json={"plan": "pro"}, headers=me)
        assert answer.status_code == 402
        assert "POST /v1/checkouts" in answer.json()["detail"]
        assert plans_asked(ports) == []


async def test_a_user_may_end_a_paid_plan():
    async with fake_gateway() as (http, ports, _):
        account, me = await new_account(http)
        answer = await http.post("/v1/subscription", json={"plan": "free"}, headers=me)
        assert answer.status_code == 200, answer.text
        assert plans_asked(ports) == [(account, "free")]


async def test_the_operator_confirms_a_checkout_and_only_then_the_plan_changes():
    async with fake_gateway() as (http, ports, _):
        account, me = await new_account(http)
        started = await http.post("/v1/checkouts", json={"plan": "pro"}, headers=me)
        assert started.status_code == 201, started.text
        checkout = started.json()
        assert (checkout["status"], checkout["provider"], checkout["pay_url"]) == (
            "open",
            "operator",
            None,
        )
        assert "operator" in checkout["next_step"]
        url = f"/v1/checkouts/{checkout['checkout_id']}"
        assert (await http.get(url, headers=me)).json()["status"] == "open"
        assert plans_asked(ports) == []  # starting a checkout changes nothing

        assert (await http.post(f"{url}/paid", json={}, headers=me)).status_code == 403
        _, stranger = await new_account(http)
        assert (await http.get(url, headers=stranger)).status_code == 404

        paid = await http.post(f"{url}/paid", json={"reference": "INV-7"}, headers=ADMIN_HEADERS)
        assert paid.status_code == 200, paid.text
        assert paid.json()["status"] == "paid"
        again = await http.post(f"{url}/paid", json={"reference": "INV-7"}, headers=ADMIN_HEADERS)
        assert again.status_code == 200
        assert plans_asked(ports) == [(account, "pro")]  # confirmed twice, changed once
        assert (await http.get(url, headers=me)).json()["status"] == "paid"


async def test_a_checkout_buys_a_paid_plan_only():
    async with fake_gateway() as (http, _, _):
        _, me = await new_account(http)
        answer = await http.post("/v1/checkouts", json={"plan": "free"}, headers=me)
        assert answer.status_code == 422
        assert "paid plan" in answer.json()["detail"]


async def test_the_operator_may_set_any_plan_and_a_user_may_not():
    async with fake_gateway() as (http, ports, _):
        account, me = await new_account(http)
        body = {"plan": "unlimited", "reason": "invoice 12 paid by transfer"}
        url = f"/v1/accounts/{account}/plan"
        assert (await http.put(url, json=body, headers=me)).status_code == 403
        answer = await http.put(url, json=body, headers=ADMIN_HEADERS)
        assert answer.status_code == 200, answer.text
        assert answer.json()["plan"] == "unlimited"
        assert plans_asked(ports) == [(account, "unlimited")]
        missing = await http.put("/v1/accounts/acct-nobody/plan", json=body, headers=ADMIN_HEADERS)
        assert missing.status_code == 404


def stripe_event(event_id: str, kind: str, obj: dict, created: float) -> bytes:
    return json.dumps(
        {"id": event_id, "type": kind, "created": int(created), "data": {"object": obj}}
    ).encode()


async def deliver(http, payload: bytes, at: float | None = None, secret: str = SECRET):
    signature = payments.sign(payload, secret, int(at or time.time()))
    headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}
    return await http.post("/v1/payments/stripe", content=payload, headers=headers)


async def stripe_checkout(http, me) -> str:
    started = await http.post("/v1/checkouts", json={"plan": "standard"}, headers=me)
    assert started.status_code == 201, started.text
    assert started.json()["pay_url"].startswith("https://pay.example/")
    return started.json()["checkout_id"]


def completed(checkout_id: str, event_id: str = "evt_1", created: float = 0) -> bytes:
    session = {
        "id": "cs_test_1",
        "client_reference_id": checkout_id,
        "payment_status": "paid",
    }
    return stripe_event(event_id, "checkout.session.completed", session, created or time.time())


async def test_a_signed_paid_checkout_changes_the_plan_once_however_often_it_is_sent():
    async with fake_gateway(**STRIPE) as (http, ports, _):
        ports.payments.name = "stripe"
        account, me = await new_account(http)
        checkout_id = await stripe_checkout(http, me)
        payload = completed(checkout_id)
        first = await deliver(http, payload)
        assert first.status_code == 200, first.text
        assert first.json() == {"received": True, "applied": True}
        assert (await deliver(http, payload)).status_code == 200  # the provider retries
        assert plans_asked(ports) == [(account, "standard")]
        view = await http.get(f"/v1/checkouts/{checkout_id}", headers=me)
        assert view.json()["status"] == "paid"


async def test_a_tampered_or_unsigned_or_old_webhook_is_refused_and_changes_nothing():
    async with fake_gateway(**STRIPE) as (http, ports, _):
        ports.payments.name = "stripe"
        _, me = await new_account(http)
        payload = completed(await stripe_checkout(http, me))
        signature = payments.sign(payload, SECRET, int(time.time()))
        tampered = payload.replace(b"standard", b"unlimited").replace(b"cs_test_1", b"cs_x")
        answers = [
            await http.post(
                "/v1/payments/stripe", content=tampered, headers={"Stripe-Signature": signature}
            ),
            await http.post("/v1/payments/stripe", content=payload),
            await deliver(http, payload, secret="whsec_someone_else"),
            await deliver(http, payload, at=time.time() - 600),  # a capture replayed later
            await deliver(http, payload, at=time.time() + 600),
        ]
        assert [a.status_code for a in answers] == [400] * 5
        assert all(a.json()["detail"] for a in answers)
        assert plans_asked(ports) == []


async def test_events_that_arrive_out_of_order_leave_the_newest_plan():
    async with fake_gateway(**STRIPE) as (http, ports, _):
        account, _ = await new_account(http)
        meta = {"metadata": {"account_id": account, "plan": "pro"}}
        now = time.time()
        cancelled = stripe_event("evt_c", "customer.subscription.deleted", meta, now - 10)
        renewal = {"id": "in_1", "parent": {"subscription_details": meta}}
        late_renewal = stripe_event("evt_r", "invoice.paid", renewal, now - 100)
        assert (await deliver(http, cancelled)).json()["applied"] is True
        assert (await deliver(http, late_renewal)).json()["applied"] is False
        newer_renewal = stripe_event("evt_r2", "invoice.paid", renewal, now)
        assert (await deliver(http, newer_renewal)).json()["applied"] is True
        assert plans_asked(ports) == [(account, "free"), (account, "pro")]


async def test_events_the_platform_does_not_act_on_are_acknowledged():
    async with fake_gateway(**STRIPE) as (http, ports, _):
        other = stripe_event("evt_o", "customer.created", {"id": "cus_1"}, time.time())
        answer = await deliver(http, other)
        assert answer.json() == {"received": True, "applied": False}
        assert plans_asked(ports) == []


async def test_without_a_provider_that_signs_there_is_no_webhook():
    async with fake_gateway() as (http, _, _):
        answer = await deliver(http, stripe_event("evt_1", "invoice.paid", {}, time.time()))
        assert answer.status_code == 404


async def test_the_stripe_provider_opens_a_subscription_checkout_for_the_plan_price():
    seen = []

    def stripe(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "cs_1", "url": "https://checkout.stripe/cs_1"})

    provider = StripePayments(
        "sk_test", {"pro": "price_pro"}, "http://me/credits", "https://stripe.test",
        transport=httpx.MockTransport(stripe),
    )  # fmt: skip
    checkout = Checkout("chk-1", "acct-1", "pro", "stripe", time.time())
    assert await provider.start(checkout) == "https://checkout.stripe/cs_1"
    [request] = seen
    form = dict(httpx.QueryParams(request.content.decode()))
    assert request.url.path == "/v1/checkout/sessions"
    assert request.headers["Idempotency-Key"] == "chk-1"
    assert form["mode"] == "subscription" and form["line_items[0][price]"] == "price_pro"
    assert form["client_reference_id"] == "chk-1"
    assert form["subscription_data[metadata][account_id]"] == "acct-1"
    assert form["subscription_data[metadata][plan]"] == "pro"


async def test_a_provider_that_does_not_answer_is_a_503_that_charges_nothing():
    def down(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, json={"error": {"message": "boom"}})

    provider = StripePayments(
        "sk", {"pro": "p"}, "http://me", "https://stripe.test", transport=httpx.MockTransport(down)
    )
    with pytest.raises(Unavailable, match="try again"):
        await provider.start(Checkout("chk-1", "acct-1", "pro", "stripe", time.time()))


async def test_the_operator_cannot_confirm_an_expired_checkout(monkeypatch):
    async with fake_gateway() as (http, ports, _):
        _, me = await new_account(http)
        started = (await http.post("/v1/checkouts", json={"plan": "pro"}, headers=me)).json()
        later = time.time() + payments.CHECKOUT_TTL_S + 60
        monkeypatch.setattr(time, "time", lambda: later)
        url = f"/v1/checkouts/{started['checkout_id']}"
        assert (await http.get(url, headers=me)).json()["status"] == "expired"
        late = await http.post(f"{url}/paid", json={}, headers=ADMIN_HEADERS)
        assert late.status_code == 422 and "expired" in late.json()["detail"]
        assert plans_asked(ports) == []


async def test_a_payment_the_provider_took_is_honoured_after_the_checkout_expired(monkeypatch):
    async with fake_gateway(**STRIPE) as (http, ports, _):
        ports.payments.name = "stripe"
        account, me = await new_account(http)
        checkout_id = await stripe_checkout(http, me)
        later = time.time() + payments.CHECKOUT_TTL_S + 60
        monkeypatch.setattr(time, "time", lambda: later)
        paid = await deliver(http, completed(checkout_id, created=later))
        assert paid.json() == {"received": True, "applied": True}
        assert plans_asked(ports) == [(account, "standard")]
