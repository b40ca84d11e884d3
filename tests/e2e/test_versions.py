"""Model versions end to end, against the platform `make run` starts (real servers, separate
processes), through the public HTTP API: a retraining becomes version 2 under the same
keyword, a comparison paints one seed on each version, a generation picks a version, and
deleting one version keeps the other and the keyword."""

import pytest

from aitrain_client import AitrainError

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]
KEYWORD = "zxqver"
PROMPT = f"a {KEYWORD} on a green background"


def test_a_retrained_model_keeps_both_versions_and_compares_them(platform, demo_set):
    # no free training: two trainings, a comparison of two images and one more image
    _, api = platform.account(plan=None, credits=2000 + 10 + 5)
    first = api.wait("trainings", api.train(demo_set, "object", KEYWORD, steps=50)["training_id"])
    assert first["status"] == "completed", first
    model_id = first["model_id"]
    # more steps, so that version 2 is a different LoRA from the same photos
    started = api.train(demo_set, None, None, version_of=model_id, steps=60)
    second = api.wait("trainings", started["training_id"])
    assert (second["status"], second["version_of"]) == ("completed", model_id), second
    assert second["keyword"] == KEYWORD

    model = api.model(model_id)
    assert (model["model_id"], model["version"]) == (model_id, 2)
    assert [(v["version"], v["model_id"]) for v in model["versions"]] == [
        (1, model_id),
        (2, second["model_id"]),
    ]
    assert [m["model_id"] for m in api.models()] == [model_id]  # one model, two versions

    compared = api.compare(model_id, PROMPT)
    assert compared["credits"] == 10 and [g["version"] for g in compared["generations"]] == [1, 2]
    made = [api.wait("generations", g["generation_id"]) for g in compared["generations"]]
    assert [g["status"] for g in made] == ["completed", "completed"], made
    assert {g["images"][0]["seed"] for g in made} == {compared["seed"]}
    assert [g["models"][0]["version"] for g in made] == [1, 2]
    v1_png, v2_png = (api.downloads.get(g["images"][0]["url"]).content for g in made)
    assert v1_png != v2_png  # the same seed, two trainings: two pictures

    # version 1 picked by number paints what the comparison painted with it, byte for byte
    again = api.generate(model_id, PROMPT, version=1, seed=compared["seed"])
    again = api.wait("generations", again["generation_id"])
    assert api.downloads.get(again["images"][0]["url"]).content == v1_png
    assert api.account()["credits"] == 0

    # deleting version 1 keeps version 2 and the keyword; version 1 is gone for good
    assert api.delete_model(model_id, version=1)["versions"] == [1]
    assert [v["version"] for v in api.model(model_id)["versions"]] == [2]
    with pytest.raises(AitrainError) as gone:
        api.generate(model_id, PROMPT, version=1)
    assert gone.value.status == 404 and "no version 1; it has 2" in str(gone.value)
    keyword = api.http.get(f"/v1/keywords/{KEYWORD}").json()
    assert keyword["usable"] is False  # version 2 still holds it
    api.delete_model(model_id)
    assert api.models() == []
    assert api.http.get(f"/v1/keywords/{KEYWORD}").json()["usable"] is True
