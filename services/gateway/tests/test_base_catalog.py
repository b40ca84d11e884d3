"""The base models a deployment serves (AITRAIN_BASES): a training names one or takes the
default, a retraining keeps its model's, a generation paints on the one base its models
share; what cannot be served is a 422 that names what can, and nothing is kept. Through the
API on in-memory ports."""

import json

import pytest
from gateway_app import add_model, balance, fake_gateway, new_account

from contracts.events import DatasetUploaded, GenerationRequested

BASES = json.dumps(
    [
        {"name": "aitrain-tiny", "label": "aitrain tiny", "family": "sd", "resolution": 64},
        {"name": "flux-dev", "label": "FLUX.1 [dev]", "family": "flux", "resolution": 1024,
         "training_credits": 3000},
    ]
)  # fmt: skip


def upload(**fields: str) -> dict:
    files = [("images", (f"{n}.jpg", b"jpeg bytes %d" % n, "image/jpeg")) for n in range(15)]
    return {"data": fields, "files": files}


@pytest.fixture
async def world():
    async with fake_gateway(aitrain_bases=BASES, rate_limit_scale=0) as (http, ports, _):
        account_id, me = await new_account(http)
        yield http, ports, account_id, me


def sent(ports, kind) -> list:
    return [e for e in ports.publisher.events if isinstance(e, kind)]


async def test_the_options_list_the_bases_the_first_being_the_default(world):
    http, _, _, me = world
    options = (await http.get("/v1/training-options", headers=me)).json()
    assert options["bases"] == [
        {"name": "aitrain-tiny", "label": "aitrain tiny", "family": "sd", "resolution": 64,
         "training_credits": None},
        {"name": "flux-dev", "label": "FLUX.1 [dev]", "family": "flux", "resolution": 1024,
         "training_credits": 3000},
    ]  # fmt: skip


@pytest.mark.parametrize(("base", "credits"), [("flux-dev", 3000), ("aitrain-tiny", 1000)])
async def test_checking_first_prices_the_training_on_its_base(world, base, credits):
    http, ports, account_id, me = world
    ports.billing.balances[account_id] = balance(account_id, credits=2000, free=0)
    answer = await http.post("/v1/trainings?dry_run=true", headers=me,
                             **upload(type="object", keyword="zxq", base=base))  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.json()["price"] == {
        "credits": credits, "uses_free_training": False, "balance": 2000,
        "covered": credits <= 2000,
    }  # fmt: skip


async def test_the_generation_options_list_them_too_for_forms_that_check_first(world):
    http, _, _, me = world
    options = (await http.get("/v1/generation-options", headers=me)).json()
    assert [(b["name"], b["family"]) for b in options["bases"]] == [
        ("aitrain-tiny", "sd"),
        ("flux-dev", "flux"),
    ]


async def test_a_training_names_its_base_or_takes_the_default(world):
    http, ports, _, me = world
    named = await http.post(
        "/v1/trainings", headers=me, **upload(type="object", keyword="zxq", base="flux-dev")
    )
    plain = await http.post("/v1/trainings", headers=me, **upload(type="object", keyword="qvw"))
    assert (named.status_code, plain.status_code) == (202, 202), named.text
    assert [e.base for e in sent(ports, DatasetUploaded)] == ["flux-dev", "aitrain-tiny"]
    shown = (await http.get(f"/v1/trainings/{named.json()['training_id']}", headers=me)).json()
    assert shown["base"] == "flux-dev"


async def test_a_base_not_served_is_a_422_naming_those_that_are_and_keeps_nothing(world):
    http, ports, _, me = world
    refused = await http.post(
        "/v1/trainings", headers=me, **upload(type="object", keyword="zxq", base="sd3")
    )
    assert refused.status_code == 422
    assert refused.json()["detail"] == "base must be one of aitrain-tiny, flux-dev; got 'sd3'"
    assert sent(ports, DatasetUploaded) == []
    assert (await http.get("/v1/trainings", headers=me)).json() == []
    keyword = (await http.get("/v1/keywords/zxq", headers=me)).json()
    assert keyword["usable"]  # not reserved


async def test_a_new_version_keeps_its_models_base(world):
    http, ports, account_id, me = world
    await add_model(ports, account_id, "mdl-1", "zxq", base="flux-dev")
    kept = await http.post("/v1/trainings", headers=me, **upload(version_of="mdl-1"))
    assert kept.status_code == 202, kept.text
    assert sent(ports, DatasetUploaded)[-1].base == "flux-dev"
    other = await http.post(
        "/v1/trainings", headers=me, **upload(version_of="mdl-1", base="aitrain-tiny")
    )
    assert other.status_code == 422
    assert "keeps its base 'flux-dev'" in other.json()["detail"]


async def test_a_generation_paints_on_its_models_base(world):
    http, ports, account_id, me = world
    await add_model(ports, account_id, "mdl-f", "zxq", base="flux-dev")
    await add_model(ports, account_id, "mdl-g", "qvw", base="flux-dev")
    await add_model(ports, account_id, "mdl-old", "kjy")  # before the catalog: the default
    body = {"models": [{"model_id": "mdl-f"}, {"model_id": "mdl-g"}], "prompt": "a zxq qvw"}
    made = await http.post("/v1/generations", json=body, headers=me)
    old = await http.post(
        "/v1/generations", json={"model_id": "mdl-old", "prompt": "kjy"}, headers=me
    )
    assert (made.status_code, old.status_code) == (202, 202), made.text
    assert [e.spec.base for e in sent(ports, GenerationRequested)] == ["flux-dev", "aitrain-tiny"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (
            {"models": [{"model_id": "mdl-f"}, {"model_id": "mdl-old"}], "prompt": "a zxq kjy"},
            "the models must share one base model to paint together: mdl-f on flux-dev, "
            "mdl-old on aitrain-tiny",
        ),
        (
            {"model_id": "mdl-f", "prompt": "a zxq", "negative_prompt": "blur"},
            "flux-dev (FLUX.1) takes no negative prompt; leave negative_prompt out",
        ),
    ],
)
async def test_what_no_base_can_paint_is_a_422_and_nothing_is_asked(world, body, says):
    http, ports, account_id, me = world
    await add_model(ports, account_id, "mdl-f", "zxq", base="flux-dev")
    await add_model(ports, account_id, "mdl-old", "kjy")
    refused = await http.post("/v1/generations", json=body, headers=me)
    assert (refused.status_code, refused.json()["detail"]) == (422, says)
    assert sent(ports, GenerationRequested) == []
    assert (await http.get("/v1/generations", headers=me)).json() == []
