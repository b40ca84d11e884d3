"""Downloading a model's LoRA: a presigned link per format, after the ownership check."""

from datetime import UTC, datetime, timedelta

from gateway_app import add_model, fake_gateway, new_account

from contracts.events import TrainingCompleted
from contracts.events.training import TrainingMetrics

DIFFUSERS_KEY = "accounts/a/models/mdl-k/lora.safetensors"
KOHYA_KEY = "accounts/a/models/mdl-k/lora.kohya.safetensors"


def completed(account_id: str) -> TrainingCompleted:
    """What a trainer that writes both files announces."""
    return TrainingCompleted.new(
        account_id=account_id,
        correlation_id="c-1",
        training_id="trn-k",
        model_id="mdl-k",
        training_type="character",
        keyword="zxqalice",
        base_model="tiny",
        weights_key=DIFFUSERS_KEY,
        kohya_weights_key=KOHYA_KEY,
        metrics=TrainingMetrics(final_loss=0.1, duration_s=1, steps_per_s=1, peak_memory_mb=1),
    )


async def test_the_owner_gets_a_link_for_each_format_and_a_stranger_nothing():
    async with fake_gateway() as (http, _, app):
        account_id, me = await new_account(http)
        _, stranger = await new_account(http)
        await app.state.gateway.views.fold(completed(account_id))

        before = datetime.now(UTC)
        diffusers = await http.get("/v1/models/mdl-k/weights?format=diffusers", headers=me)
        kohya = await http.get("/v1/models/mdl-k/weights?format=kohya", headers=me)
        plain = await http.get("/v1/models/mdl-k/weights", headers=me)

        assert diffusers.status_code == 200, diffusers.text
        assert diffusers.json() | {"expires_at": None} == {
            "model_id": "mdl-k",
            "version": 1,
            "format": "diffusers",
            "file_name": "zxqalice-mdl-k.safetensors",
            "url": f"https://objects.invalid/{DIFFUSERS_KEY}"
            "?signed&download=zxqalice-mdl-k.safetensors",
            "expires_at": None,
        }
        expires = datetime.fromisoformat(diffusers.json()["expires_at"])
        assert before + timedelta(minutes=14) < expires <= datetime.now(UTC) + timedelta(minutes=15)
        assert kohya.status_code == 200, kohya.text
        assert kohya.json()["format"] == "kohya"
        assert kohya.json()["file_name"] == "zxqalice-mdl-k-kohya.safetensors"
        assert kohya.json()["url"].startswith(f"https://objects.invalid/{KOHYA_KEY}?signed")
        assert plain.json()["format"] == "diffusers"  # the default

        for format in ("diffusers", "kohya"):
            theirs = await http.get(f"/v1/models/mdl-k/weights?format={format}", headers=stranger)
            assert theirs.status_code == 404
            assert KOHYA_KEY not in theirs.text and DIFFUSERS_KEY not in theirs.text
        unknown = await http.get("/v1/models/mdl-nope/weights", headers=me)
        assert unknown.status_code == 404
        assert (await http.get("/v1/models/mdl-k/weights")).status_code == 401


async def test_a_bad_format_is_a_422_naming_the_formats():
    async with fake_gateway() as (http, ports, _):
        account_id, me = await new_account(http)
        await add_model(ports, account_id)
        answer = await http.get("/v1/models/mdl-1/weights?format=ckpt", headers=me)
    assert answer.status_code == 422
    [problem] = answer.json()["detail"]
    assert problem["loc"] == ["query", "format"]
    assert "'diffusers' or 'kohya'" in problem["msg"]


async def test_a_model_made_before_kohya_files_is_a_409_that_says_what_is_there():
    async with fake_gateway() as (http, ports, _):
        account_id, me = await new_account(http)
        await add_model(ports, account_id)  # a record without a kohya file, as older ones are
        kohya = await http.get("/v1/models/mdl-1/weights?format=kohya", headers=me)
        diffusers = await http.get("/v1/models/mdl-1/weights?format=diffusers", headers=me)
    assert kohya.status_code == 409
    assert "only format=diffusers" in kohya.json()["detail"]
    assert diffusers.status_code == 200


async def test_a_deleted_model_has_no_weights_to_download():
    async with fake_gateway() as (http, ports, _):
        account_id, me = await new_account(http)
        await add_model(ports, account_id)
        assert (await http.delete("/v1/models/mdl-1", headers=me)).status_code == 200
        answer = await http.get("/v1/models/mdl-1/weights", headers=me)
    assert answer.status_code == 404
