"""Webhooks on the running platform: what happens to an account reaches its receiver signed
(checked with the Standard Webhooks library, as a receiver would), a receiver that keeps
failing is retried and then disabled, and private addresses stay out of reach."""

import pytest
from standardwebhooks import Webhook

from aitrain_client import cli

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]


def endpoint(client, url: str, *events: str) -> dict:
    return client.http.post("/v1/webhooks", json={"url": url, "events": list(events)}).json()


def messages(receiver, path: str, count: int, secret: str) -> list[dict]:
    """The first `count` messages on `path`, each verified against its signature."""
    return [
        Webhook(secret).verify(r.body, r.headers) for r in receiver.wait_for(path, count)[:count]
    ]


def test_a_training_a_generation_and_a_deletion_reach_the_receiver_signed(
    platform, demo_set, receiver
):
    _, client = platform.account(credits=10)  # pro: the training is the free one
    wanted = ("training.completed", "generation.completed", "model.deleted")
    hook = endpoint(client, f"{receiver.url}/story", *wanted)
    assert hook["secret"].startswith("whsec_"), hook
    endpoint(client, f"{receiver.url}/failures", "training.failed", "generation.failed")

    started = client.train(demo_set, "object", "zxq", steps=50)
    training = client.wait("trainings", started["training_id"])
    assert training["status"] == "completed", training
    [done] = messages(receiver, "/story", 1, hook["secret"])
    assert done["type"] == "training.completed"
    assert done["data"]["training_id"] == training["training_id"]
    assert done["data"]["model_id"] == training["model_id"]
    assert done["data"]["url"].endswith(f"/v1/trainings/{training['training_id']}")

    generation = client.generate(training["model_id"], "a zxq", num_outputs=1)
    client.wait("generations", generation["generation_id"])
    client.delete_model(training["model_id"])
    story = {m["type"]: m for m in messages(receiver, "/story", 3, hook["secret"])}
    assert sorted(story) == sorted(wanted)  # at least once, in no guaranteed order
    assert story["generation.completed"]["data"] | {"url": None} == {
        "generation_id": generation["generation_id"],
        "status": "completed",
        "model_id": training["model_id"],
        "images": 1,
        "withheld": 0,
        "url": None,
    }
    assert story["model.deleted"]["data"]["keyword"] == "zxq"
    assert receiver.on("/failures") == []  # nothing failed: nothing sent there

    log = client.http.get(f"/v1/webhooks/{hook['endpoint_id']}/deliveries").json()
    assert {(d["type"], d["state"]) for d in log} == {(t, "delivered") for t in wanted}
    assert all([a["status_code"] for a in d["attempts"]] == [200] for d in log)


def test_a_receiver_that_keeps_failing_is_retried_then_disabled(platform, receiver, capsys):
    _, client = platform.account(plan=None)
    hook = endpoint(client, f"{receiver.url}/down", "model.deleted")
    receiver.answers["/down"] = [500, 502, 503]  # the platform's schedule: 1 s, then 2 s
    sent = client.http.post(f"/v1/webhooks/{hook['endpoint_id']}/test")
    assert sent.status_code == 202, sent.text

    tries = receiver.wait_for("/down", 3, timeout_s=30)
    assert len({t.headers["webhook-id"] for t in tries}) == 1  # one message, three attempts
    assert all(Webhook(hook["secret"]).verify(t.body, t.headers) for t in tries)
    view = client.http.get(f"/v1/webhooks/{hook['endpoint_id']}").json()
    for _ in range(50):  # the endpoint is disabled as the last attempt is recorded
        if not view["enabled"]:
            break
        view = client.http.get(f"/v1/webhooks/{hook['endpoint_id']}").json()
    assert view["enabled"] is False
    assert "3 attempts over 3 s failed" in view["disabled_reason"]
    assert "HTTP 503" in view["disabled_reason"]
    [delivery] = client.http.get(f"/v1/webhooks/{hook['endpoint_id']}/deliveries").json()
    assert delivery["state"] == "failed"
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 502, 503]
    assert cli.main(["webhooks", "log", hook["endpoint_id"]], client) == 0
    assert capsys.readouterr().out.rstrip().endswith("failed     500 → 502 → 503")

    again = client.http.patch(f"/v1/webhooks/{hook['endpoint_id']}", json={"enabled": True})
    assert again.json()["enabled"] is True
    client.http.post(f"/v1/webhooks/{hook['endpoint_id']}/test")
    [test] = messages(receiver, "/down", 4, hook["secret"])[3:]
    assert test["type"] == "webhook.test"


@pytest.mark.parametrize("url", ["http://10.0.0.1/hook", "http://169.254.169.254/latest"])
def test_private_addresses_are_refused_by_the_real_gateway(platform, url):
    _, client = platform.account(plan=None)
    refused = client.http.post("/v1/webhooks", json={"url": url, "events": ["model.deleted"]})
    assert refused.status_code == 422
    assert "not a public address" in refused.json()["detail"]
