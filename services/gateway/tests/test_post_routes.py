"""Every POST that creates or changes something, through one table: the same
Idempotency-Key with the same request gets the same answer and changes things once; with
another request, 422; a bus that is away is a 503 that keeps nothing (a retry then works);
every event a request publishes carries the request's correlation id. On in-memory ports."""

import time
from dataclasses import dataclass, field

import pytest
from gateway_app import ADMIN, add_model, balance, fake_gateway, new_account

from gateway.ports import Remembered

ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN}"}


def upload(keyword: str) -> dict:
    files = [("images", (f"{n}.jpg", b"jpeg bytes %d" % n, "image/jpeg")) for n in range(15)]
    return {"data": {"type": "object", "keyword": keyword}, "files": files}


@dataclass(frozen=True)
class Route:
    path: str
    request: dict
    """httpx keyword arguments of the request."""
    other: dict | None = None
    """The same route with other content (None: the route takes none)."""
    admin: bool = False
    publishes: str | None = None
    """The event the request announces."""
    extra: dict = field(default_factory=dict)


ROUTES = {
    "accounts": Route("/v1/accounts", {}, admin=True),
    "api-keys": Route("/v1/api-keys", {}),
    "subscription": Route(  # back to free: a paid plan is a 402 before any key is looked at
        "/v1/subscription", {"json": {"plan": "free"}}, publishes="SubscriptionRequested"
    ),
    "checkouts": Route("/v1/checkouts", {"json": {"plan": "pro"}}, {"json": {"plan": "standard"}}),
    "credits": Route(
        "/v1/accounts/{account_id}/credits",
        {"json": {"credits": 10, "reason": "invoice 1"}},
        {"json": {"credits": 20, "reason": "invoice 1"}},
        admin=True,
        publishes="CreditsPurchased",
    ),
    "trainings": Route(
        "/v1/trainings", upload("zxqone"), upload("zxqtwo"), publishes="DatasetUploaded"
    ),
    "generations": Route(
        "/v1/generations",
        {"json": {"model_id": "mdl-1", "prompt": "a zxq"}},
        {"json": {"model_id": "mdl-1", "prompt": "a zxq on grass"}},
        publishes="GenerationRequested",
    ),
    "compare": Route(  # two generations: their events are counted in test_model_versions
        "/v1/models/mdl-1/compare",
        {"json": {"prompt": "a zxq"}},
        {"json": {"prompt": "a zxq on grass"}},
    ),
    "webhooks": Route(
        "/v1/webhooks",
        {"json": {"url": "https://hooks.example.com/a", "events": ["model.deleted"]}},
        {"json": {"url": "https://hooks.example.com/b", "events": ["model.deleted"]}},
    ),
}
TEMPLATES = {
    "/v1/accounts": "accounts",
    "/v1/api-keys": "api-keys",
    "/v1/subscription": "subscription",
    "/v1/checkouts": "checkouts",
    "/v1/accounts/{account_id}/credits": "credits",
    "/v1/trainings": "trainings",
    "/v1/generations": "generations",
    "/v1/webhooks": "webhooks",
    "/v1/models/{model_id}/compare": "compare",
}
NOT_KEYED = {
    "/v1/sessions": "signing in twice is two sessions; neither changes the account",
    "/v1/sign-ups": "the email makes a second sign-up a 409",
    "/v1/password": "a set-password link works once",
    "/v1/checkouts/{checkout_id}/paid": "a checkout is paid once, however often it is confirmed",
    "/v1/payments/stripe": "the provider's event id makes a redelivered event change nothing",
    "/v1/trainings/{training_id}/cancel": (
        "a cancel is one cancel: asking again answers the training as it stands"
    ),
    "/v1/webhooks/{endpoint_id}/test": "a test event changes nothing; two are two tests",
    "/v1/admin/dead-letters/{letter_id}/replay": (
        "a handled letter is gone (a 404 then), and the event keeps its id: done at most once"
    ),
}
PUBLISHING = [name for name, route in ROUTES.items() if route.publishes]


@pytest.fixture
async def world():
    async with fake_gateway() as (http, ports, app):
        account_id, me = await new_account(http)
        await add_model(ports, account_id)
        await add_model(ports, account_id, "mdl-1v2", version_of="mdl-1")
        ports.billing.balances[account_id] = balance(account_id, credits=1000)
        yield http, ports, app, account_id, me


async def send(world, name: str, content: dict | None = None, **headers: str):
    http, _, _, account_id, me = world
    route = ROUTES[name]
    auth = ADMIN_HEADERS if route.admin else me
    path = route.path.format(account_id=account_id)
    return await http.post(path, headers=auth | headers, **(content or route.request))


def published(ports, event_type: str) -> set[str]:
    return {e.event_id for e in ports.publisher.events if e.event_type == event_type}


async def test_the_table_holds_every_post_route():
    async with fake_gateway() as (_, _, app):
        posts = {path for path, ops in app.openapi()["paths"].items() if "post" in ops}
    assert posts == set(TEMPLATES) | set(NOT_KEYED)


@pytest.mark.parametrize("name", ROUTES)
async def test_the_same_key_and_request_get_the_same_answer_once(world, name):
    first = await send(world, name, **{"Idempotency-Key": f"key-{name}"})
    again = await send(world, name, **{"Idempotency-Key": f"key-{name}"})
    assert first.status_code in (200, 201, 202), first.text
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    if event_type := ROUTES[name].publishes:
        assert len(published(world[1], event_type)) == 1
    unkeyed = [await send(world, name), await send(world, name)]
    if name == "trainings":  # a keyword is unique: the first unkeyed one conflicts with `first`
        assert [u.status_code for u in unkeyed] == [409, 409]
    elif name in ("accounts", "api-keys", "generations", "checkouts", "webhooks", "compare"):
        assert len({str(u.json()) for u in unkeyed} | {str(first.json())}) == 3


@pytest.mark.parametrize("name", [n for n, r in ROUTES.items() if r.other])
async def test_the_same_key_with_another_request_is_refused(world, name):
    await send(world, name, **{"Idempotency-Key": "k-reused"})
    other = await send(world, name, ROUTES[name].other, **{"Idempotency-Key": "k-reused"})
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["detail"]


@pytest.mark.parametrize("name", PUBLISHING)
async def test_a_bus_that_is_away_is_a_503_that_keeps_nothing(world, name):
    ports = world[1]
    ports.publisher.down = True
    refused = await send(world, name, **{"Idempotency-Key": "k-503"})
    assert refused.status_code == 503
    assert "try again" in refused.json()["detail"]
    assert await ports.trainings.pending(older_than_s=-1) == []  # nothing left to relay
    ports.publisher.down = False
    retried = await send(world, name, **{"Idempotency-Key": "k-503"})
    assert retried.status_code in (200, 202), retried.text
    assert len(published(ports, ROUTES[name].publishes)) == 1


@pytest.mark.parametrize("name", PUBLISHING)
async def test_every_event_carries_the_request_s_correlation_id(world, name):
    answer = await send(world, name, **{"X-Correlation-ID": f"corr-{name}"})
    assert answer.headers["X-Correlation-ID"] == f"corr-{name}"
    [event] = [e for e in world[1].publisher.events if e.event_type == ROUTES[name].publishes]
    assert (event.correlation_id, event.causation_id) == (f"corr-{name}", None)


async def test_a_key_whose_request_is_still_running_is_a_409(world):
    ports = world[1]
    await send(world, "api-keys", **{"Idempotency-Key": "k-busy"})
    [stored] = [name for name in ports.idempotency.keys if "k-busy" in name]
    answered = ports.idempotency.keys[stored]
    # as if the first request were still being handled by another replica
    ports.idempotency.keys[stored] = Remembered(answered.fingerprint, time.time())
    busy = await send(world, "api-keys", **{"Idempotency-Key": "k-busy"})
    assert busy.status_code == 409
    assert "still being handled" in busy.json()["detail"]


async def test_a_new_api_key_is_replayed_a_day_at_most(world, monkeypatch):
    first = await send(world, "api-keys", **{"Idempotency-Key": "k-secret"})
    assert (await send(world, "api-keys", **{"Idempotency-Key": "k-secret"})).json() == first.json()
    later = time.time() + 25 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    fresh = await send(world, "api-keys", **{"Idempotency-Key": "k-secret"})
    assert fresh.status_code == 201
    assert fresh.json()["api_key"] != first.json()["api_key"]  # the old secret is gone


async def test_an_empty_key_is_no_key(world):
    answers = [await send(world, "api-keys", **{"Idempotency-Key": ""}) for _ in "ab"]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json()["key_id"] != answers[1].json()["key_id"]


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
async def test_a_number_json_cannot_hold_is_a_422_naming_the_field(world, number):
    http, _, _, account_id, _ = world
    body = f'{{"credits": {number}, "reason": "invoice 9"}}'
    answer = await http.post(
        f"/v1/accounts/{account_id}/credits",
        content=body,
        headers=ADMIN_HEADERS | {"Content-Type": "application/json"},
    )
    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["detail"]
    assert problem["loc"] == ["body", "credits"]
