"""Up to three models in one generation, each with a weight, through the API on in-memory
ports: what is asked of the bus, what is refused (and that nothing is kept then), the view."""

import pytest
from gateway_app import add_model, fake_gateway, new_account


@pytest.fixture
async def world():
    async with fake_gateway() as (http, ports, _):
        account_id, me = await new_account(http)
        for model_id, keyword in (("mdl-a", "zxq"), ("mdl-b", "qvw"), ("mdl-c", "kjy")):
            await add_model(ports, account_id, model_id, keyword)
        yield http, ports, me


def asked(ports) -> list:
    return [e for e in ports.publisher.events if e.event_type == "GenerationRequested"]


async def test_two_models_go_to_the_bus_with_their_weights_at_the_price_of_one(world):
    http, ports, me = world
    body = {
        "models": [{"model_id": "mdl-a"}, {"model_id": "mdl-b", "weight": 0.7}],
        "prompt": "a zxq on a qvw background",
        "num_outputs": 2,
    }
    made = await http.post("/v1/generations", json=body, headers=me)
    assert made.status_code == 202, made.text
    [requested] = asked(ports)
    spec = requested.spec
    assert (spec.model_id, spec.keyword) == ("mdl-a", "zxq")  # the first is the main one
    assert [(u.model_id, u.keyword, u.weight) for u in spec.uses()] == [
        ("mdl-a", "zxq", 1.0),
        ("mdl-b", "qvw", 0.7),
    ]
    assert spec.settings.num_outputs == 2  # billing prices images, not models
    view = (await http.get(f"/v1/generations/{made.json()['generation_id']}", headers=me)).json()
    assert view["models"] == [
        {"model_id": "mdl-a", "keyword": "zxq", "weight": 1.0, "version": 1},
        {"model_id": "mdl-b", "keyword": "qvw", "weight": 0.7, "version": 1},
    ]


async def test_one_model_is_asked_as_before_and_shown_as_one_of_one(world):
    http, ports, me = world
    made = await http.post(
        "/v1/generations", json={"model_id": "mdl-a", "prompt": "a zxq"}, headers=me
    )
    [requested] = asked(ports)
    assert [(u.model_id, u.weight) for u in requested.spec.uses()] == [("mdl-a", 1.0)]
    view = (await http.get(f"/v1/generations/{made.json()['generation_id']}", headers=me)).json()
    assert view["models"] == [{"model_id": "mdl-a", "keyword": "zxq", "weight": 1.0, "version": 1}]


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        (
            {"models": [{"model_id": "mdl-a"}, {"model_id": "mdl-b"}], "prompt": "a zxq"},
            422,
            "qvw",
        ),
        (
            {"model_id": "mdl-a", "models": [{"model_id": "mdl-b"}], "prompt": "zxq"},
            422,
            "not both",
        ),
        ({"prompt": "a zxq"}, 422, "model_id, or up to three in models"),
        ({"models": [{"model_id": "mdl-a"}] * 2, "prompt": "a zxq"}, 422, "each model once"),
        (
            {
                "models": [{"model_id": m} for m in ("mdl-a", "mdl-b", "mdl-c", "mdl-d")],
                "prompt": "zxq qvw kjy",
            },
            422,
            "at most 3",
        ),
        ({"models": [{"model_id": "mdl-a", "weight": 2.5}], "prompt": "a zxq"}, 422, "weight"),
        ({"models": [{"model_id": "mdl-a"}, {"model_id": "mdl-x"}], "prompt": "zxq"}, 404, "mdl-x"),
    ],
)
async def test_what_cannot_be_painted_is_refused_and_nothing_is_asked(world, body, status, says):
    http, ports, me = world
    refused = await http.post("/v1/generations", json=body, headers=me)
    assert refused.status_code == status, refused.text
    assert says in refused.text
    assert asked(ports) == []


async def test_another_account_s_model_cannot_be_mixed_in(world):
    http, ports, me = world
    stranger_id, _ = await new_account(http)
    await add_model(ports, stranger_id, "mdl-theirs", "plk")
    body = {"models": [{"model_id": "mdl-a"}, {"model_id": "mdl-theirs"}], "prompt": "zxq plk"}
    refused = await http.post("/v1/generations", json=body, headers=me)
    assert refused.status_code == 404
    assert asked(ports) == []
