"""A misspelt option never costs money: every write (POST, PUT, PATCH, DELETE) refuses a query
parameter, form field or JSON field it does not know with a 422 naming it and, where one is
close, the name meant. The route list comes from the OpenAPI document, so a new route is
covered the day it is added. In-memory ports."""

import re

import pytest
from gateway_app import balance, fake_gateway, new_account

from gateway import fakes
from gateway.config import Settings
from gateway.main import create_app

WRITES = ("post", "put", "patch", "delete")
DOCUMENT = create_app(Settings(rate_limit_scale=0), ports=fakes.memory_ports()).openapi()
OPERATIONS = [
    (method.upper(), path)
    for path, operations in DOCUMENT["paths"].items()
    for method in operations
    if method in WRITES
]

JSON_BODIES = [
    (method, path)
    for method, path in OPERATIONS
    if "application/json"
    in DOCUMENT["paths"][path][method.lower()].get("requestBody", {}).get("content", {})
]


def resolved(schema: dict) -> dict:
    """The body's model (an optional body is `anyOf` the model and null)."""
    schema = next((s for s in schema.get("anyOf", []) if "$ref" in s), schema)
    if ref := schema.get("$ref"):
        return DOCUMENT["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return schema


def test_the_document_has_writes_to_check():
    assert len(OPERATIONS) > 20 and len(JSON_BODIES) > 10, OPERATIONS


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
async def test_an_unknown_query_parameter_of_a_write_is_refused(method, path):
    async with fake_gateway() as (http, _, _):
        url = re.sub(r"\{[^}]+\}", "x", path)
        answer = await http.request(method, url, params={"dry_runn": "true"})
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["detail"]
    assert error["loc"] == ["query", "dry_runn"]
    assert error["msg"].startswith("unknown query parameter 'dry_runn'")


@pytest.mark.parametrize(("method", "path"), JSON_BODIES)
def test_every_json_body_of_a_write_forbids_fields_it_does_not_declare(method, path):
    body = DOCUMENT["paths"][path][method.lower()]["requestBody"]["content"]["application/json"]
    schema = resolved(body["schema"])
    assert schema.get("additionalProperties") is False, f"{method} {path}: {schema}"


async def test_a_misspelt_json_field_is_named_with_the_one_meant():
    async with fake_gateway() as (http, _, _):
        _, me = await new_account(http)
        coupon = await http.post(
            "/v1/checkouts", headers=me, json={"plan": "pro", "coupon": "FREE"}
        )
        misspelt = await http.post("/v1/checkouts", headers=me, json={"plann": "pro"})
        made = await http.post("/v1/checkouts", headers=me, json={"plan": "pro"})
    assert coupon.status_code == 422
    assert coupon.json()["detail"][0]["msg"] == "unknown field 'coupon'; known: plan"
    said = [e["msg"] for e in misspelt.json()["detail"]]
    assert "unknown field 'plann'; did you mean 'plan'?" in said
    # and times are ISO 8601 here as everywhere
    assert made.status_code == 201, made.text
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d.*\+00:00", made.json()["created_at"])


async def test_dry_run_sent_as_a_form_field_starts_nothing_and_says_where_it_goes():
    async with fake_gateway() as (http, ports, _):
        account_id, me = await new_account(http)
        ports.billing.balances[account_id] = balance(account_id, credits=1000, free=0)
        files = [("images", (f"{n:02d}.jpg", b"jpeg %d" % n, "image/jpeg")) for n in range(15)]
        form = {"type": "object", "keyword": "zxq", "dry_run": "true"}
        answer = await http.post("/v1/trainings", headers=me, data=form, files=files)
        assert answer.status_code == 422, answer.text
        [error] = answer.json()["detail"]
        assert error["loc"] == ["form", "dry_run"]
        assert error["msg"] == "'dry_run' is a query parameter: add it to the URL (?dry_run=…)"
        assert ports.publisher.events == []  # nothing to charge, nothing to train
        assert await ports.keywords.holder(account_id, "zxq") is None
        misspelt = await http.post(
            "/v1/trainings",
            headers=me,
            data={"type": "object", "keyword": "zxq", "stpes": "60"},
            files=files,
        )
    assert (
        misspelt.json()["detail"][0]["msg"] == "unknown form field 'stpes'; did you mean 'steps'?"
    )
