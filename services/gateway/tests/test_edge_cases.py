"""Inputs at the edges that once slipped through (issue 15, item 7), on in-memory ports."""

import pytest
from gateway_app import fake_gateway, new_account

from gateway.domain.training_form import display_name


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("photo\u202egpj.exe", "photogpj.exe"),  # right-to-left override: no disguise
        ("a\u0085b\u009fc.jpg", "abc.jpg"),  # C1 controls
        ("zero\u200bwidth\ufeff.jpg", "zerowidth.jpg"),
        ("dir/\u2066x\u2069.png", "x.png"),
        ("plain-name.jpg", "plain-name.jpg"),
        ("\u202e", "unnamed"),
    ],
)
def test_display_names_keep_no_invisible_or_reordering_characters(sent, shown):
    assert display_name(sent) == shown


async def test_a_ledger_position_past_any_ledger_is_a_422():
    async with fake_gateway() as (http, _, _):
        _, me = await new_account(http)
        answer = await http.get("/v1/ledger", params={"before": 2**63}, headers=me)
        assert answer.status_code == 422
        assert answer.json()["detail"][0]["loc"] == ["query", "before"]
        assert (
            await http.get("/v1/ledger", params={"before": 2**53}, headers=me)
        ).status_code == 200


async def test_more_files_than_a_training_takes_is_a_413_while_streaming():
    files = [("images", (f"{n}.jpg", b"jpeg", "image/jpeg")) for n in range(51)]
    async with fake_gateway() as (http, ports, _):
        _, me = await new_account(http)
        answer = await http.post(
            "/v1/trainings", data={"type": "object", "keyword": "zxq"}, files=files, headers=me
        )
        assert answer.status_code == 413
        assert answer.json()["detail"] == (
            "too many files: send at most 50 files (images and their captions)"
        )
        assert ports.uploads.objects == {}


async def test_the_openapi_document_shows_the_upload_form_and_every_refusal():
    from gateway_app import fake_gateway

    async with fake_gateway() as (http, _, _):
        document = (await http.get("/openapi.json")).json()
    upload = document["paths"]["/v1/trainings"]["post"]["requestBody"]["content"]
    form = upload["multipart/form-data"]["schema"]
    assert form["required"] == ["images"]  # type and keyword too, unless version_of is given
    assert "version_of" in form["properties"]
    assert form["properties"]["images"]["items"]["format"] == "binary"
    for path, operations in document["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method, operation in operations.items():
            for status in ("401", "404", "409", "422", "429", "503"):
                assert status in operation["responses"], (method, path, status)
