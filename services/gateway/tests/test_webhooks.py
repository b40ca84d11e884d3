"""Webhooks through the API on in-memory ports: endpoints, the URL rules, what each bus event
sends, signatures a Standard Webhooks library accepts, retries, giving up, the log."""

import ipaddress
import json
import time

import gateway_records
import pytest
from gateway_app import fake_gateway, new_account
from standardwebhooks import Webhook

from contracts import events as ev
from gateway.domain.webhooks import EVENT_TYPES

HOOK = "https://hooks.example.com/aitrain"


@pytest.fixture
async def world():
    async with fake_gateway(webhook_retry_schedule_s="10,20") as (http, ports, app):
        account_id, me = await new_account(http)
        yield http, ports, app.state.gateway, account_id, me


async def add(world, url=HOOK, events=("training.completed",)) -> dict:
    http, *_, me = world
    made = await http.post("/v1/webhooks", json={"url": url, "events": list(events)}, headers=me)
    assert made.status_code == 201, made.text
    return made.json()


def completed(account_id: str, training_id: str = "trn-9") -> ev.TrainingCompleted:
    made = gateway_records.completed(training_id, "mdl-9")
    return made.model_copy(update={"account_id": account_id})


async def test_an_endpoint_shows_its_secret_once(world):
    http, *_, me = world
    made = await add(world)
    assert made["secret"].startswith("whsec_") and made["enabled"] is True
    listed = (await http.get("/v1/webhooks", headers=me)).json()
    assert [e["endpoint_id"] for e in listed["endpoints"]] == [made["endpoint_id"]]
    assert "secret" not in listed["endpoints"][0]
    assert listed["event_types"] == list(EVENT_TYPES)
    one = (await http.get(f"/v1/webhooks/{made['endpoint_id']}", headers=me)).json()
    assert "secret" not in one and one["url"] == HOOK


@pytest.mark.parametrize(
    ("url", "hosts", "says"),
    [
        ("https://intranet.example.com/h", {"intranet.example.com": ["10.0.0.5"]}, "not a public"),
        ("https://127.0.0.1:8080/h", {}, "not a public"),
        ("https://[::1]/h", {}, "not a public"),
        ("https://metadata.example.com/", {"metadata.example.com": ["169.254.169.254"]}, "public"),
        ("https://nowhere.example.com/", {"nowhere.example.com": []}, "resolves to no address"),
        ("http://hooks.example.com/h", {}, "use https://"),
        ("ftp://hooks.example.com/h", {}, "not an http(s) URL"),
        ("https://user:pw@hooks.example.com/h", {}, "no user name"),
        ("https://hooks.example.com:99999/h", {}, "not a URL"),
    ],
)
async def test_a_url_the_platform_must_not_call_is_refused_with_what_to_do(world, url, hosts, says):
    http, ports, *_, me = world
    ports.webhook_sender.hosts.update(hosts)
    refused = await http.post(
        "/v1/webhooks", json={"url": url, "events": ["model.deleted"]}, headers=me
    )
    assert refused.status_code == 422, refused.text
    assert says in refused.json()["detail"]
    assert (await http.get("/v1/webhooks", headers=me)).json()["endpoints"] == []


async def test_an_operator_may_allow_a_network_then_plain_http_goes_there():
    async with fake_gateway() as (http, ports, _):
        _, me = await new_account(http)
        ports.webhook_sender.allowed = (ipaddress.ip_network("127.0.0.0/8"),)
        body = {"url": "http://127.0.0.1:9000/h", "events": ["model.deleted"]}
        assert (await http.post("/v1/webhooks", json=body, headers=me)).status_code == 201


@pytest.mark.parametrize(
    ("events", "says"), [(["training.done"], "unknown: training.done"), ([], "at least 1")]
)
async def test_events_must_be_known_ones(world, events, says):
    http, *_, me = world
    refused = await http.post("/v1/webhooks", json={"url": HOOK, "events": events}, headers=me)
    assert refused.status_code == 422
    assert says in json.dumps(refused.json())


async def test_an_account_has_ten_endpoints_at_most(world):
    for n in range(10):
        await add(world, url=f"{HOOK}/{n}")
    http, *_, me = world
    more = await http.post(
        "/v1/webhooks", json={"url": HOOK, "events": ["model.deleted"]}, headers=me
    )
    assert more.status_code == 409 and "at most 10" in more.json()["detail"]


async def test_a_completed_training_is_sent_signed_once_to_the_endpoints_that_want_it(world):
    http, ports, gateway, account_id, me = world
    wants = await add(world, events=("training.completed", "training.failed"))
    await add(world, url=f"{HOOK}/other", events=("generation.completed",))
    event = completed(account_id)
    await gateway.announcer.on_event(event)
    await gateway.announcer.on_event(event)  # redelivered: the same message
    assert await gateway.dispatcher.round() == 1
    [(url, headers, body)] = ports.webhook_sender.sent
    assert url == HOOK
    message = Webhook(wants["secret"]).verify(body, headers)
    assert message["type"] == "training.completed"
    assert message["data"] == {
        "training_id": "trn-9",
        "status": "completed",
        "model_id": "mdl-9",
        "keyword": "zxq",
        "type": "object",
        "url": "http://127.0.0.1:8080/v1/trainings/trn-9",
    }
    with pytest.raises(Exception, match="signature"):
        Webhook(wants["secret"]).verify(body + b" ", headers)  # any change breaks it
    [delivery] = (
        await http.get(f"/v1/webhooks/{wants['endpoint_id']}/deliveries", headers=me)
    ).json()
    assert (delivery["delivery_id"], delivery["state"]) == (headers["webhook-id"], "delivered")
    assert [a["status_code"] for a in delivery["attempts"]] == [200]


async def test_a_failing_receiver_is_retried_on_schedule_with_the_same_id(world):
    http, ports, gateway, account_id, me = world
    made = await add(world)
    ports.webhook_sender.answers[HOOK] = [500, None]
    await gateway.announcer.on_event(completed(account_id))
    start = time.time() + 3600  # ahead: every delivery made now is due
    assert await gateway.dispatcher.round(start) == 1
    assert await gateway.dispatcher.round(start + 9) == 0  # the first wait is 10 s
    assert await gateway.dispatcher.round(start + 5000) == 1
    assert await gateway.dispatcher.round(start + 5019) == 0  # the second wait is 20 s
    assert await gateway.dispatcher.round(start + 10_000) == 1
    ids = {headers["webhook-id"] for _, headers, _ in ports.webhook_sender.sent}
    assert len(ports.webhook_sender.sent) == 3 and len(ids) == 1
    [delivery] = (
        await http.get(f"/v1/webhooks/{made['endpoint_id']}/deliveries", headers=me)
    ).json()
    assert delivery["state"] == "delivered"
    attempts = [(a["status_code"], a["error"]) for a in delivery["attempts"]]
    assert attempts == [(500, None), (None, "timed out after 10 s"), (200, None)]


async def test_a_day_of_failures_disables_the_endpoint_with_a_notice(world):
    http, ports, gateway, account_id, me = world
    made = await add(world)
    ports.webhook_sender.answers[HOOK] = [503, 503, 503]
    await gateway.announcer.on_event(completed(account_id))
    start = time.time() + 3600
    for at in (start, start + 100, start + 200):
        assert await gateway.dispatcher.round(at) == 1
    endpoint = (await http.get(f"/v1/webhooks/{made['endpoint_id']}", headers=me)).json()
    assert endpoint["enabled"] is False
    assert endpoint["disabled_reason"].startswith("3 attempts over 30 s failed")
    assert "HTTP 503" in endpoint["disabled_reason"]
    await gateway.announcer.on_event(completed(account_id, "trn-10"))  # nothing for it now
    assert await gateway.dispatcher.round(start + 300) == 0
    test = await http.post(f"/v1/webhooks/{made['endpoint_id']}/test", headers=me)
    assert test.status_code == 409 and "enable it first" in test.json()["detail"]
    again = await http.patch(
        f"/v1/webhooks/{made['endpoint_id']}", json={"enabled": True}, headers=me
    )
    assert again.json()["enabled"] is True and again.json()["disabled_reason"] is None


async def test_a_test_event_goes_to_one_endpoint_whatever_it_wants(world):
    http, ports, gateway, _, me = world
    made = await add(world, events=("model.deleted",))
    sent = await http.post(f"/v1/webhooks/{made['endpoint_id']}/test", headers=me)
    assert sent.status_code == 202 and sent.json()["state"] == "pending"
    await gateway.dispatcher.round()
    [(_, headers, body)] = ports.webhook_sender.sent
    assert Webhook(made["secret"]).verify(body, headers)["type"] == "webhook.test"


async def test_changing_and_deleting_an_endpoint(world):
    http, *_, me = world
    made = await add(world)
    path = f"/v1/webhooks/{made['endpoint_id']}"
    changed = await http.patch(
        path, json={"events": ["model.deleted", "training.failed"]}, headers=me
    )
    assert changed.json()["events"] == ["training.failed", "model.deleted"]
    refused = await http.patch(path, json={"url": "https://10.1.2.3/x"}, headers=me)
    assert refused.status_code == 422
    assert (await http.delete(path, headers=me)).status_code == 204
    assert (await http.get(path, headers=me)).status_code == 404
    assert (await http.get(f"{path}/deliveries", headers=me)).status_code == 404


async def test_another_account_sees_nothing_of_them(world):
    http, *_, me = world
    made = await add(world)
    _, other = await new_account(http)
    path = f"/v1/webhooks/{made['endpoint_id']}"
    for answer in (
        await http.get(path, headers=other),
        await http.patch(path, json={"enabled": False}, headers=other),
        await http.post(f"{path}/test", headers=other),
        await http.get(f"{path}/deliveries", headers=other),
        await http.delete(path, headers=other),
    ):
        assert answer.status_code == 404
    assert (await http.get("/v1/webhooks", headers=other)).json()["endpoints"] == []
    assert (await http.get(path, headers=me)).status_code == 200
