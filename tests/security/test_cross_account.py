"""Every route that names something by id, every method, called by another account: a 404
(never a 403 or the thing itself, so ids leak nothing); the admin's routes: a 403. The
table is the app's own route list (its OpenAPI paths), so a new route is swept without
being added here. The owner's own call must work, so a wrong id cannot make the sweep pass
(in-memory ports)."""

from gateway_app import add_model, balance, fake_gateway, new_account

from gateway.api import streams

NOT_IDS = {"/v1/keywords/{keyword}"}  # a word to check, not something of an account's
BODIES = {"/v1/models/{model_id}/compare": {"prompt": "a zxq"}}
"""What a route must be sent for the owner's call to work (others get `{}`)."""


def upload() -> dict:
    files = [("images", (f"{n}.jpg", b"jpeg bytes %d" % n, "image/jpeg")) for n in range(15)]
    return {"data": {"type": "object", "keyword": "zxqsweep"}, "files": files}


async def owned_things(http, ports) -> tuple[str, dict, dict[str, str]]:
    account_id, owner = await new_account(http)
    await add_model(ports, account_id)
    await add_model(ports, account_id, "mdl-1v2", version_of="mdl-1")  # two to compare
    ports.billing.balances[account_id] = balance(account_id, credits=100)
    training = await http.post("/v1/trainings", headers=owner, **upload())
    generation = await http.post(
        "/v1/generations", json={"model_id": "mdl-1", "prompt": "a zxq"}, headers=owner
    )
    checkout = await http.post("/v1/checkouts", json={"plan": "pro"}, headers=owner)
    key = await http.post("/v1/api-keys", headers=owner)
    hook = {"url": "https://hooks.example.com/sweep", "events": ["model.deleted"]}
    endpoint = await http.post("/v1/webhooks", json=hook, headers=owner)
    ids = {
        "account_id": account_id,
        "training_id": training.json()["training_id"],
        "model_id": "mdl-1",
        "generation_id": generation.json()["generation_id"],
        "checkout_id": checkout.json()["checkout_id"],
        "key_id": key.json()["key_id"],
        "endpoint_id": endpoint.json()["endpoint_id"],
        "letter_id": "1",  # a dead letter: the admin's alone, refused to every account
    }
    return account_id, owner, ids


async def test_another_account_finds_nothing_of_anyone_by_id(monkeypatch):
    monkeypatch.setattr(streams, "QUIET_END_S", 0.3)  # the owner's live streams end soon
    async with fake_gateway(rate_limit_scale=0) as (http, ports, app):
        _, owner, ids = await owned_things(http, ports)
        _, stranger = await new_account(http)
        calls = [
            (method.upper(), path)
            for path, operations in app.openapi()["paths"].items()
            if "{" in path and path not in NOT_IDS
            for method in operations
        ]
        calls.sort(key=lambda call: call[0] == "DELETE")  # the owner deletes last
        assert len(calls) >= 12
        answers = {}
        for method, template in calls:
            path = template.format(**ids)
            body = BODIES.get(template, {})
            theirs = await http.request(method, path, headers=stranger, json=body)
            mine = await http.request(method, path, headers=owner, json=body)
            answers[(method, template)] = (theirs.status_code, mine.status_code)
        for (method, template), (theirs, mine) in answers.items():
            if mine == 403:  # the admin's route: refused to every account alike
                assert theirs == 403, (method, template)
                continue
            assert mine < 300, (method, template, mine)
            assert theirs == 404, (method, template, theirs)
