"""Versions: retraining a model makes its next version under the same keyword, the earlier
ones kept; a generation picks a version (the latest by default); a comparison paints the same
prompt and seed on each; deleting a version keeps the keyword while another lives. On
in-memory ports, with the facts folded as the bus would bring them."""

import pytest
from gateway_app import balance, fake_gateway, new_account

from contracts.events import (
    DatasetRejected,
    DatasetUploaded,
    GenerationRequested,
    ModelDeleted,
    TrainingCompleted,
)
from contracts.events.common import DatasetReport
from contracts.events.training import TrainingMetrics

KEYWORD = "zxqdog"


def upload(**fields: str) -> dict:
    files = [("images", (f"{n}.jpg", b"jpeg bytes %d" % n, "image/jpeg")) for n in range(15)]
    return {"data": fields, "files": files}


def completed(account_id: str, training_id: str, model_id: str) -> TrainingCompleted:
    return TrainingCompleted.new(
        account_id=account_id,
        training_id=training_id,
        model_id=model_id,
        training_type="object",
        keyword=KEYWORD,
        base_model="tiny",
        weights_key=f"w/{model_id}",
        sample_image_keys=[f"s/{model_id}.png"],
        metrics=TrainingMetrics(final_loss=0.1, duration_s=1, steps_per_s=1, peak_memory_mb=1),
    )


async def train(http, app, account_id, me, model_id: str, **fields: str) -> str:
    """Upload, and fold the trainer's TrainingCompleted making `model_id`; the training's id."""
    started = await http.post("/v1/trainings", headers=me, **upload(**fields))
    assert started.status_code == 202, started.text
    training_id = started.json()["training_id"]
    await app.state.gateway.views.fold(completed(account_id, training_id, model_id))
    return training_id


@pytest.fixture
async def world():
    """An account whose model mdl-1 (keyword zxqdog) was retrained once: mdl-2 is version 2.
    (Rate limits off: the tests upload more often than a minute's allowance.)"""
    async with fake_gateway(rate_limit_scale=0) as (http, ports, app):
        account_id, me = await new_account(http)
        await train(http, app, account_id, me, "mdl-1", type="object", keyword=KEYWORD)
        await train(http, app, account_id, me, "mdl-2", version_of="mdl-1")
        yield http, ports, app, account_id, me


def requested(ports) -> list[GenerationRequested]:
    return [e for e in ports.publisher.events if isinstance(e, GenerationRequested)]


async def test_a_retraining_is_the_next_version_under_the_same_keyword(world):
    http, ports, app, account_id, me = world
    [new] = [e for e in ports.publisher.events if isinstance(e, DatasetUploaded)][1:]
    assert (new.keyword, new.training_type, new.version_of) == (KEYWORD, "object", "mdl-1")
    assert (await http.get(f"/v1/trainings/{new.training_id}", headers=me)).json()[
        "version_of"
    ] == "mdl-1"

    [model] = (await http.get("/v1/models", headers=me)).json()
    assert (model["model_id"], model["keyword"], model["version"]) == ("mdl-1", KEYWORD, 2)
    assert model["training_id"] == new.training_id  # the top fields are the latest version's
    assert [(v["version"], v["model_id"]) for v in model["versions"]] == [
        (1, "mdl-1"),
        (2, "mdl-2"),
    ]
    assert "s/mdl-2.png" in model["versions"][1]["thumbnail_url"]
    by_version_id = (await http.get("/v1/models/mdl-2", headers=me)).json()
    assert by_version_id == model  # a version's own id names its model too

    # a redelivered TrainingCompleted adds no third version
    await app.state.gateway.views.fold(completed(account_id, new.training_id, "mdl-2"))
    assert len((await http.get("/v1/models/mdl-1", headers=me)).json()["versions"]) == 2
    # a third training numbers on from the highest
    await train(http, app, account_id, me, "mdl-3", version_of="mdl-2", keyword=KEYWORD)
    third = (await http.get("/v1/models/mdl-1", headers=me)).json()
    assert [v["version"] for v in third["versions"]] == [1, 2, 3]


async def test_a_retraining_keeps_its_model_s_keyword_and_type_and_needs_a_live_model(world):
    http, _, _, _, me = world
    other = await http.post(
        "/v1/trainings", headers=me, **upload(version_of="mdl-1", keyword="zxqcat")
    )
    assert other.status_code == 422
    assert "keeps its keyword 'zxqdog'" in other.json()["detail"]
    typed = await http.post("/v1/trainings", headers=me, **upload(version_of="mdl-1", type="style"))
    assert typed.status_code == 422 and "keeps its type 'object'" in typed.json()["detail"]
    missing = await http.post("/v1/trainings", headers=me, **upload(version_of="mdl-9"))
    assert missing.status_code == 404 and "GET /v1/models" in missing.json()["detail"]
    # a stranger cannot retrain it
    _, stranger = await new_account(http)
    theirs = await http.post("/v1/trainings", headers=stranger, **upload(version_of="mdl-1"))
    assert theirs.status_code == 404
    # a new model still may not take the keyword
    taken = await http.post("/v1/trainings", headers=me, **upload(type="object", keyword=KEYWORD))
    assert taken.status_code == 409


async def test_a_generation_uses_the_latest_version_unless_it_names_one(world):
    http, ports, _, _, me = world
    asks = [
        {"model_id": "mdl-1"},
        {"model_id": "mdl-1", "version": 1},
        {"model_id": "mdl-2"},
        {"models": [{"model_id": "mdl-1", "version": 1, "weight": 0.5}]},
    ]
    for ask in asks:
        made = await http.post("/v1/generations", headers=me, json=ask | {"prompt": "a zxqdog"})
        assert made.status_code == 202, made.text
    used = [(e.spec.model_id, e.spec.weights_key) for e in requested(ports)]
    assert used == [
        ("mdl-2", "w/mdl-2"),
        ("mdl-1", "w/mdl-1"),
        ("mdl-2", "w/mdl-2"),
        ("mdl-1", "w/mdl-1"),
    ]
    last = (await http.get("/v1/generations", headers=me)).json()[0]
    assert last["models"] == [
        {"model_id": "mdl-1", "keyword": KEYWORD, "weight": 0.5, "version": 1}
    ]
    none = await http.post(
        "/v1/generations",
        headers=me,
        json={"model_id": "mdl-1", "version": 7, "prompt": "a zxqdog"},
    )
    assert none.status_code == 404
    assert none.json()["detail"] == "model mdl-1 has no version 7; it has 1, 2"


async def test_a_comparison_paints_the_same_prompt_and_seed_on_each_version(world):
    http, ports, _, account_id, me = world
    ports.billing.balances[account_id] = balance(account_id, credits=20)
    body = {"prompt": "a zxqdog on a beach", "num_outputs": 2, "style": "cinematic"}
    compared = await http.post("/v1/models/mdl-1/compare", headers=me, json=body)
    assert compared.status_code == 202, compared.text
    answer = compared.json()
    assert (answer["model_id"], answer["credits"]) == ("mdl-1", 20)  # 2 versions x 2 images x 5
    assert [g["version"] for g in answer["generations"]] == [1, 2]

    events = requested(ports)
    assert [e.generation_id for e in events] == [g["generation_id"] for g in answer["generations"]]
    assert [e.spec.weights_key for e in events] == ["w/mdl-1", "w/mdl-2"]
    assert {(e.spec.prompt, e.spec.settings.seed, e.spec.settings.style) for e in events} == {
        ("a zxqdog on a beach", answer["seed"], "cinematic")
    }
    assert all(e.spec.settings.num_outputs == 2 for e in events)

    # a seed given is kept; versions named are compared in that order
    again = await http.post(
        "/v1/models/mdl-2/compare", headers=me, json=body | {"seed": 42, "versions": [2, 1]}
    )
    assert again.json()["seed"] == 42
    assert [g["version"] for g in again.json()["generations"]] == [2, 1]


async def test_a_comparison_refuses_before_anything_when_it_cannot_be_done(world):
    http, ports, app, account_id, me = world
    ports.billing.balances[account_id] = balance(account_id, credits=9)
    short = await http.post("/v1/models/mdl-1/compare", headers=me, json={"prompt": "a zxqdog"})
    assert short.status_code == 402
    assert "takes 10 credits (2 images) and you have 9" in short.json()["detail"]
    ports.billing.balances[account_id] = balance(account_id, credits=100)
    wrong = await http.post(
        "/v1/models/mdl-1/compare", headers=me, json={"prompt": "a dog", "versions": [1, 2]}
    )
    assert wrong.status_code == 422 and "zxqdog" in wrong.json()["detail"]
    missing = await http.post(
        "/v1/models/mdl-1/compare", headers=me, json={"prompt": "a zxqdog", "versions": [1, 5]}
    )
    assert missing.status_code == 404
    twice = await http.post(
        "/v1/models/mdl-1/compare", headers=me, json={"prompt": "a zxqdog", "versions": [1, 1]}
    )
    assert twice.status_code == 422 and "each version once" in twice.text
    await train(http, app, account_id, me, "mdl-s", type="style", keyword="qvwstyle")
    single = await http.post("/v1/models/mdl-s/compare", headers=me, json={"prompt": "a qvwstyle"})
    assert single.status_code == 409 and "one version" in single.json()["detail"]
    assert requested(ports) == []


async def test_deleting_a_version_keeps_the_model_and_its_keyword_until_none_is_left(world):
    http, ports, _, _, me = world
    first = await http.delete("/v1/models/mdl-1?version=1", headers=me)
    assert first.json() == {"model_id": "mdl-1", "versions": [1], "deleted": True}
    [model] = (await http.get("/v1/models", headers=me)).json()
    assert (model["model_id"], [v["version"] for v in model["versions"]]) == ("mdl-1", [2])
    assert (await http.get(f"/v1/keywords/{KEYWORD}", headers=me)).json()["usable"] is False
    # the model's id still names it, and generating with it uses what is left
    made = await http.post(
        "/v1/generations", headers=me, json={"model_id": "mdl-1", "prompt": "a zxqdog"}
    )
    assert made.status_code == 202 and requested(ports)[-1].spec.model_id == "mdl-2"

    rest = await http.delete("/v1/models/mdl-1", headers=me)
    assert rest.json()["versions"] == [2]
    assert (await http.get("/v1/models", headers=me)).json() == []
    assert (await http.get(f"/v1/keywords/{KEYWORD}", headers=me)).json()["usable"] is True
    deleted = [e.model_id for e in ports.publisher.events if isinstance(e, ModelDeleted)]
    assert deleted == ["mdl-1", "mdl-2"]  # each version's weights go


async def test_a_model_with_a_version_in_training_cannot_be_deleted_whole(world):
    http, _, app, account_id, me = world
    started = await http.post("/v1/trainings", headers=me, **upload(version_of="mdl-1"))
    training_id = started.json()["training_id"]
    busy = await http.delete("/v1/models/mdl-1", headers=me)
    assert busy.status_code == 409 and training_id in busy.json()["detail"]
    assert (await http.delete("/v1/models/mdl-1?version=1", headers=me)).status_code == 200

    # a retraining that ends without a model leaves the keyword with the model
    rejected = DatasetRejected.new(
        account_id=account_id,
        training_id=training_id,
        dataset_id="ds-x",
        reason="blurry",
        report=DatasetReport(),
    )
    await app.state.gateway.views.fold(rejected)
    assert (await http.get(f"/v1/keywords/{KEYWORD}", headers=me)).json()["usable"] is False
    assert (await http.delete("/v1/models/mdl-1", headers=me)).status_code == 200


async def test_deletion_facts_coming_back_from_the_bus_free_the_keyword_once_none_is_left(world):
    http, ports, app, _, me = world
    await http.delete("/v1/models/mdl-1?version=2", headers=me)
    for event in [e for e in ports.publisher.events if isinstance(e, ModelDeleted)]:
        await app.state.gateway.views.fold(event)  # redelivered: still one version left
    assert (await http.get(f"/v1/keywords/{KEYWORD}", headers=me)).json()["usable"] is False
    assert [
        v["version"] for v in (await http.get("/v1/models/mdl-1", headers=me)).json()["versions"]
    ] == [1]
