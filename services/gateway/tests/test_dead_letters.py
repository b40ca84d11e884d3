"""The operator's dead-letter tools (admin API) on in-memory ports: what a list and a letter
show, what each replay outcome answers, who may call, and that a drop is logged. The bus side
runs on the real servers in tests/integration/test_dead_letters_admin.py."""

import json

import pytest
import structlog
from gateway_app import ADMIN, fake_gateway, new_account
from structlog.testing import capture_logs

from gateway.app import dead_letters

ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN}"}
FAILED = json.dumps({"event_type": "TrainingFailed", "event_id": "ev-1", "training_id": "t"})


@pytest.fixture
async def world():
    async with fake_gateway() as (http, ports, _):
        yield http, ports.dead_letters


async def test_letters_are_listed_newest_first_with_the_event_they_hold(world):
    http, letters = world
    letters.park("billing-ledger", FAILED, "gave up: ChargeNotFound: no charge")
    letters.park("dataset-dataset-uploaded", '{"training_id": 7}', "invalid DatasetUploaded")
    listed = await http.get("/v1/admin/dead-letters", headers=ADMIN_HEADERS)
    assert listed.status_code == 200, listed.text
    newest, oldest = listed.json()
    assert (newest["id"], newest["event_type"], newest["event_id"]) == (2, None, None)
    assert oldest == {
        "id": 1,
        "consumer": "billing-ledger",
        "subject": "aitrain.x.y.v1",
        "event_type": "TrainingFailed",
        "event_id": "ev-1",
        "deliveries": 5,
        "reason": "gave up: ChargeNotFound: no charge",
        "failed_at": oldest["failed_at"],
    }
    one = await http.get("/v1/admin/dead-letters?limit=1", headers=ADMIN_HEADERS)
    assert [letter["id"] for letter in one.json()] == [2]
    shown = await http.get("/v1/admin/dead-letters/1", headers=ADMIN_HEADERS)
    assert shown.json() == oldest | {"payload": FAILED}


@pytest.mark.parametrize("letter_id", ["99", "0", "-1", "x", "1e3", str(2**64)])
async def test_an_unknown_or_impossible_id_is_a_404_or_a_422_never_a_500(world, letter_id):
    http, _ = world
    for method, path in [
        ("GET", f"/v1/admin/dead-letters/{letter_id}"),
        ("POST", f"/v1/admin/dead-letters/{letter_id}/replay"),
        ("DELETE", f"/v1/admin/dead-letters/{letter_id}"),
    ]:
        answer = await http.request(method, path, headers=ADMIN_HEADERS)
        assert answer.status_code == (404 if letter_id == "99" else 422), (method, answer.text)
        if letter_id == "99":
            assert "no dead letter 99" in answer.json()["detail"]


async def test_only_the_admin_token_reaches_them(world):
    http, letters = world
    letters.park("billing-ledger", FAILED, "gave up")
    _, account = await new_account(http)
    for method, path in [
        ("GET", "/v1/admin/dead-letters"),
        ("GET", "/v1/admin/dead-letters/1"),
        ("POST", "/v1/admin/dead-letters/1/replay"),
        ("DELETE", "/v1/admin/dead-letters/1"),
    ]:
        assert (await http.request(method, path, headers=account)).status_code == 403
        assert (await http.request(method, path)).status_code == 401
    assert letters.replayed == [] and 1 in letters.letters


@pytest.mark.parametrize(
    ("outcome", "status", "left"),
    [("handled", 200, []), ("parked again", 200, [2]), ("failed", 200, [1]), ("running", 202, [1])],
)
async def test_a_replay_says_what_became_of_the_letter(world, outcome, status, left):
    http, letters = world
    letters.park("billing-ledger", FAILED, "gave up")
    letters.outcome = outcome
    answer = await http.post("/v1/admin/dead-letters/1/replay", headers=ADMIN_HEADERS)
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert (body["id"], body["outcome"]) == (1, outcome)
    assert body["new_id"] == (2 if outcome == "parked again" else None)
    assert (body["reason"] is None) == (outcome in ("handled", "running"))
    assert body["next_step"]
    assert sorted(letters.letters) == left


async def test_a_replay_while_the_owning_service_is_down_is_a_503_that_keeps_the_letter(world):
    http, letters = world
    letters.park("trainer-training-charged", FAILED, "gave up")
    letters.answering = False
    answer = await http.post("/v1/admin/dead-letters/1/replay", headers=ADMIN_HEADERS)
    assert answer.status_code == 503
    assert "start trainer" in answer.json()["detail"]
    assert 1 in letters.letters


async def test_a_dropped_letter_is_gone_and_the_log_says_who_dropped_what(world, monkeypatch):
    http, letters = world
    letters.park("billing-ledger", FAILED, "gave up: ChargeNotFound")
    # loggers are cached on first use: a fresh one is first used inside the capture
    monkeypatch.setattr(dead_letters, "log", structlog.get_logger("dead-letters-test"))
    with capture_logs() as logs:
        dropped = await http.delete("/v1/admin/dead-letters/1", headers=ADMIN_HEADERS)
    assert dropped.status_code == 204
    [line] = [entry for entry in logs if entry["event"] == "dead_letter.dropped"]
    assert line["by"].startswith("admin from ")
    assert (line["letter_id"], line["event_id"], line["payload"]) == (1, "ev-1", FAILED)
    again = await http.delete("/v1/admin/dead-letters/1", headers=ADMIN_HEADERS)
    assert again.status_code == 404
    assert (await http.get("/v1/admin/dead-letters", headers=ADMIN_HEADERS)).json() == []
