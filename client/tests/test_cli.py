"""The client and `aitrain` command against a scripted gateway (httpx.MockTransport): what
it sends, how it reads live updates, what a user sees on a refusal. The real gateway is
exercised end to end in tests/e2e."""

import json

import httpx
import pytest

from aitrain_client import cli, operators
from aitrain_client.api import Client, events, message_of

PNG = b"\x89PNG\r\n\x1a\nfake"


def sse(*views: dict) -> bytes:
    chunks = [": keep-alive\n\n"] + [f"event: status\ndata: {json.dumps(v)}\n\n" for v in views]
    return "".join(chunks).encode()


class Gateway:
    """Answers like the gateway; remembers every request it got."""

    def __init__(self, routes: dict[tuple[str, str], httpx.Response]):
        self.routes, self.requests = routes, []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.routes[(request.method, request.url.path)]

    def client(self) -> Client:
        return Client("http://gateway", "key-1", transport=httpx.MockTransport(self))


def test_server_sent_events_are_read_as_views_and_keep_alives_skipped():
    lines = sse({"status": "generating"}, {"status": "completed"}).decode().split("\n")
    assert [v["status"] for v in events(iter(lines))] == ["generating", "completed"]


def test_field_errors_read_as_field_and_problem():
    response = httpx.Response(
        422,
        json={"detail": [{"loc": ["body", "aspect_ratio"], "msg": "Input should be '1:1'"}]},
    )
    assert message_of(response) == "aspect_ratio: Input should be '1:1'"
    assert message_of(httpx.Response(404, json={"detail": "no model m-9"})) == "no model m-9"


def test_generate_follows_the_generation_and_saves_its_images(tmp_path, capsys):
    done = {
        "status": "completed",
        "credits": 10,
        "images": [
            {"url": "http://s3/a.png?sig", "width": 88, "height": 48, "seed": 5},
            {"url": "http://s3/b.png?sig", "width": 88, "height": 48, "seed": 6},
        ],
    }
    gateway = Gateway({
        ("POST", "/v1/generations"): httpx.Response(202, json={"generation_id": "gen-1"}),
        ("GET", "/v1/generations/gen-1/events"): httpx.Response(
            200, content=sse({"status": "generating"}, done)
        ),
        ("GET", "/a.png"): httpx.Response(200, content=PNG),
        ("GET", "/b.png"): httpx.Response(200, content=PNG),
    })  # fmt: skip
    argv = ["generate", "--model", "m-1", "a zxq on a blue background", "--ratio", "16:9"]
    code = cli.main([*argv, "-n", "2", "--seed", "5", "--out", str(tmp_path)], gateway.client())
    assert code == 0
    sent = json.loads(gateway.requests[0].content)
    assert sent == {
        "model_id": "m-1",
        "prompt": "a zxq on a blue background",
        "aspect_ratio": "16:9",
        "resolution": "720p",
        "num_outputs": 2,
        "style": "none",
        "seed": 5,
    }
    assert gateway.requests[0].headers["Authorization"] == "Bearer key-1"
    assert "Authorization" not in gateway.requests[2].headers  # the URL is the permission
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gen-1-0.png", "gen-1-1.png"]
    assert (tmp_path / "gen-1-0.png").read_bytes() == PNG
    assert "10 credits" in capsys.readouterr().out


def test_a_refusal_is_printed_with_the_platforms_reason(capsys):
    gateway = Gateway({
        ("POST", "/v1/generations"): httpx.Response(
            422, json={"detail": "the prompt must contain the model's keyword 'zxq'"}
        )
    })  # fmt: skip
    code = cli.main(["generate", "--model", "m-1", "a triangle"], gateway.client())
    assert code == 1
    out = capsys.readouterr().out
    assert "keyword 'zxq'" in out and "422" in out


def test_train_uploads_images_and_captions_then_shows_the_report_and_the_model(tmp_path, capsys):
    for index in range(15):
        (tmp_path / f"p{index}.png").write_bytes(PNG)
    (tmp_path / "p0.png.txt").write_text("a zxq on a red background")
    (tmp_path / "notes.md").write_text("not sent")
    report = {
        "images": [
            {"name": "p3.png", "findings": [{"severity": "warning", "message": "looks soft"}]}
        ],
        "findings": [],
    }
    views = (
        {"status": "awaiting_payment", "report": report},
        {"status": "queued", "report": report, "queue": {"place": 3, "starts_in_s": 250}},
        {"status": "training", "report": report, "progress": {"step": 100, "total_steps": 300}},
        {"status": "completed", "report": report, "model_id": "mdl-1", "keyword": "zxq"},
    )
    gateway = Gateway({
        ("POST", "/v1/trainings"): httpx.Response(
            202, json={"training_id": "trn-1", "status": "validating", "warnings": []}
        ),
        ("GET", "/v1/trainings/trn-1/events"): httpx.Response(200, content=sse(*views)),
    })  # fmt: skip
    argv = ["train", str(tmp_path), "--type", "object", "--keyword", "zxq", "--steps", "300"]
    assert cli.main(argv, gateway.client()) == 0
    upload = gateway.requests[0].content
    assert upload.count(b'name="images"') == 16  # 15 images and one caption file
    assert b"notes.md" not in upload
    assert b'name="steps"' in upload and b'name="rank"' not in upload
    out = capsys.readouterr().out
    assert "looks soft" in out and "mdl-1" in out
    assert "status: queued · 3 in line, starts in about 4 min" in out


def test_no_images_in_the_folder_is_said_before_anything_is_sent(tmp_path, capsys):
    gateway = Gateway({})
    argv = ["train", str(tmp_path), "--type", "object", "--keyword", "zxq"]
    assert cli.main(argv, gateway.client()) == 1
    assert gateway.requests == []
    out = capsys.readouterr().out
    assert "no images" in out and "HTTP" not in out


@pytest.mark.parametrize("status", ["failed", "rejected"])
def test_a_training_that_ends_without_a_model_says_why(tmp_path, capsys, status):
    for index in range(15):
        (tmp_path / f"p{index}.png").write_bytes(PNG)
    gateway = Gateway({
        ("POST", "/v1/trainings"): httpx.Response(202, json={"training_id": "trn-2"}),
        ("GET", "/v1/trainings/trn-2/events"): httpx.Response(
            200, content=sse({"status": status, "reason": "2 problems to fix"})
        ),
    })  # fmt: skip
    argv = ["train", str(tmp_path), "--type", "object", "--keyword", "zxq"]
    assert cli.main(argv, gateway.client()) == 1
    assert "2 problems to fix" in capsys.readouterr().out


def test_plan_starts_a_checkout_and_says_where_to_pay(capsys):
    checkout = {
        "checkout_id": "chk-1",
        "account_id": "acct-1",
        "plan": "pro",
        "next_step": "pay on pay_url; your plan changes once the payment is confirmed",
        "pay_url": "https://pay.example/chk-1",
    }
    gateway = Gateway({("POST", "/v1/checkouts"): httpx.Response(201, json=checkout)})
    assert cli.main(["plan", "pro"], gateway.client()) == 0
    assert json.loads(gateway.requests[0].content) == {"plan": "pro"}
    out = capsys.readouterr().out
    assert "chk-1" in out and "https://pay.example/chk-1" in out


def test_plan_free_ends_the_paid_plan(capsys):
    account = {"plan": "free", "credits": 0, "free_trainings": 0, "account_id": "acct-1"}
    gateway = Gateway({("POST", "/v1/subscription"): httpx.Response(200, json=account)})
    assert cli.main(["plan", "free"], gateway.client()) == 0
    assert json.loads(gateway.requests[0].content) == {"plan": "free"}
    assert "free" in capsys.readouterr().out


def test_paid_confirms_a_checkout_with_the_admin_token(capsys, monkeypatch):
    monkeypatch.delenv("AITRAIN_ADMIN_TOKEN", raising=False)
    monkeypatch.setenv("AITRAIN_API_KEY", "a-user-key")
    assert cli.main(["paid", "chk-1"]) == 2  # a user's key is not enough
    assert "AITRAIN_ADMIN_TOKEN" in capsys.readouterr().out
    paid = {"checkout_id": "chk-1", "account_id": "acct-1", "plan": "pro", "status": "paid"}
    gateway = Gateway({("POST", "/v1/checkouts/chk-1/paid"): httpx.Response(200, json=paid)})
    assert cli.main(["paid", "chk-1", "--reference", "INV-7"], gateway.client()) == 0
    assert json.loads(gateway.requests[0].content) == {"reference": "INV-7"}
    assert "acct-1 is on pro" in capsys.readouterr().out


def test_models_lists_each_models_measured_quality(capsys, monkeypatch):
    monkeypatch.setattr(cli.console, "width", 160)  # a wide terminal: no cell wraps
    measured = {
        "model_id": "mdl-1",
        "keyword": "zxq",
        "type": "object",
        "created_at": "2026-12-03T12:00:00+00:00",
        "quality": {
            "learned": 0.31,
            "learned_verdict": "strong",
            "drift": 0.004,
            "drift_verdict": "low",
        },
    }
    older = measured | {"model_id": "mdl-0", "keyword": "old", "quality": None}
    gateway = Gateway({("GET", "/v1/models"): httpx.Response(200, json=[measured, older])})
    assert cli.main(["models"], gateway.client()) == 0
    out = capsys.readouterr().out
    assert "learned: strong 31 % · drift: low 0.004" in out
    assert "not measured" in out


LETTER = {
    "id": 7,
    "consumer": "billing-ledger",
    "subject": "aitrain.training.failed.v1",
    "event_type": "TrainingFailed",
    "event_id": "ev-1",
    "deliveries": 5,
    "reason": "gave up: ChargeNotFound: no training:t-1:charge [type=missing]",
    "failed_at": "2026-12-03T12:00:00.123456+00:00",
}


def test_admin_dlq_takes_the_admin_token_and_lists_letters_as_a_table(capsys, monkeypatch):
    monkeypatch.delenv("AITRAIN_ADMIN_TOKEN", raising=False)
    monkeypatch.setenv("AITRAIN_API_KEY", "a-user-key")
    assert cli.main(["admin", "dlq", "list"]) == 2  # a user's key is not enough
    assert "AITRAIN_ADMIN_TOKEN" in capsys.readouterr().out
    monkeypatch.setattr(operators.console, "width", 200)
    unreadable = LETTER | {"id": 6, "event_type": None, "event_id": None}
    gateway = Gateway(
        {("GET", "/v1/admin/dead-letters"): httpx.Response(200, json=[LETTER, unreadable])}
    )
    assert cli.main(["admin", "dlq", "list", "--limit", "5"], gateway.client()) == 0
    assert gateway.requests[0].url.params["limit"] == "5"
    lines = capsys.readouterr().out.splitlines()
    [seven] = [line for line in lines if "│ 7 " in line]
    assert "billing-ledger" in seven and "TrainingFailed ev-1" in seven
    assert "2026-12-03T12:00:00" in seven and "[type=missing]" in seven  # not read as markup
    assert any("(unreadable)" in line for line in lines)


def test_admin_dlq_show_prints_the_payload_readably(capsys):
    shown = LETTER | {"payload": '{"event_type": "TrainingFailed", "training_id": "t-1"}'}
    gateway = Gateway({("GET", "/v1/admin/dead-letters/7"): httpx.Response(200, json=shown)})
    assert cli.main(["admin", "dlq", "show", "7"], gateway.client()) == 0
    out = capsys.readouterr().out
    assert "reason: gave up: ChargeNotFound: no training:t-1:charge [type=missing]" in out
    assert '  "training_id": "t-1"' in out  # indented JSON


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (httpx.Response(200, json={"id": 7, "outcome": "handled", "next_step": "nothing"}), 0),
        (httpx.Response(202, json={"id": 7, "outcome": "running", "next_step": "wait"}), 0),
        (
            httpx.Response(
                200,
                json={
                    "id": 7,
                    "outcome": "parked again",
                    "reason": "permanent error: [still] wrong",
                    "new_id": 9,
                    "next_step": "fix it, then replay letter 9",
                },
            ),
            1,
        ),
    ],
)
def test_admin_dlq_replay_says_the_outcome_and_fails_when_it_failed_again(capsys, answer, code):
    gateway = Gateway({("POST", "/v1/admin/dead-letters/7/replay"): answer})
    assert cli.main(["admin", "dlq", "replay", "7"], gateway.client()) == code
    out = capsys.readouterr().out
    assert f"letter 7: {answer.json()['outcome']}" in out
    assert answer.json()["next_step"] in out
    if code:
        assert "reason: permanent error: [still] wrong" in out  # printed as is, not as markup


def test_admin_dlq_drop_and_an_unknown_letter(capsys):
    gateway = Gateway({
        ("DELETE", "/v1/admin/dead-letters/7"): httpx.Response(204),
        ("DELETE", "/v1/admin/dead-letters/8"): httpx.Response(
            404, json={"detail": "no dead letter 8: it was handled, replaced or dropped"}
        ),
    })  # fmt: skip
    assert cli.main(["admin", "dlq", "drop", "7"], gateway.client()) == 0
    assert "dropped letter 7" in capsys.readouterr().out
    assert cli.main(["admin", "dlq", "drop", "8"], gateway.client()) == 1
    assert "no dead letter 8" in capsys.readouterr().out
    with pytest.raises(SystemExit):  # argparse: an id is a number
        cli.main(["admin", "dlq", "drop", "x"], gateway.client())


@pytest.mark.parametrize(
    ("price", "ready", "said", "code"),
    [
        ({"credits": 0, "uses_free_training": True, "balance": 0, "covered": True}, True,
         "uses your free training", 0),
        ({"credits": 1000, "uses_free_training": False, "balance": 40, "covered": False}, False,
         "1,000 credits (you have 40) — not enough", 1),
    ],
)  # fmt: skip
def test_check_prints_the_report_and_the_price_and_starts_nothing(
    tmp_path, capsys, price, ready, said, code
):
    for index in range(15):
        (tmp_path / f"p{index}.png").write_bytes(PNG)
    blurry = {"severity": "error", "message": "'p7.png' is too blurry to learn from"}
    answer = {
        "ready": ready,
        "report": {"images": [{"name": "p7.png", "findings": [blurry]}], "findings": []},
        "price": price,
        "keyword": {"keyword": "zxq", "usable": True, "problem": None, "warnings": []},
        "photos_deleted_after": "2026-01-02T00:00:00+00:00",
    }
    gateway = Gateway({("POST", "/v1/trainings"): httpx.Response(200, json=answer)})
    argv = ["check", str(tmp_path), "--type", "object", "--keyword", "zxq"]
    assert cli.main(argv, gateway.client()) == code
    [request] = gateway.requests
    assert request.url.params["dry_run"] == "true"
    out = " ".join(capsys.readouterr().out.split())
    assert "too blurry" in out and said in out and "nothing was charged" in out


def weights_gateway(format: str) -> Gateway:
    name = "zxq-mdl-1-kohya.safetensors" if format == "kohya" else "zxq-mdl-1.safetensors"
    link = {
        "model_id": "mdl-1",
        "format": format,
        "file_name": name,
        "url": f"http://s3/{name}?sig",
        "expires_at": "2026-12-04T07:00:00+00:00",
    }
    return Gateway({
        ("GET", "/v1/models/mdl-1/weights"): httpx.Response(200, json=link),
        ("GET", f"/{name}"): httpx.Response(200, content=b"safetensors bytes"),
    })  # fmt: skip


@pytest.mark.parametrize("format", ["diffusers", "kohya"])
def test_download_saves_the_lora_under_its_own_name(tmp_path, capsys, monkeypatch, format):
    monkeypatch.chdir(tmp_path)
    gateway = weights_gateway(format)
    assert cli.main(["download", "mdl-1", "--format", format], gateway.client()) == 0
    asked, fetched = gateway.requests
    assert asked.url.params["format"] == format
    assert "Authorization" not in fetched.headers  # the URL is the permission
    [saved] = tmp_path.iterdir()
    assert saved.name.startswith("zxq-mdl-1") and saved.read_bytes() == b"safetensors bytes"
    assert ("ComfyUI" in capsys.readouterr().out) == (format == "kohya")


def test_download_writes_the_file_named_with_o_and_defaults_to_diffusers(tmp_path, capsys):
    gateway = weights_gateway("diffusers")
    folder = tmp_path / ("a-folder-with-a-long-name-" * 3)  # past the 80 columns of a pipe
    folder.mkdir()
    target = folder / "alice.safetensors"
    assert cli.main(["download", "mdl-1", "-o", str(target)], gateway.client()) == 0
    assert gateway.requests[0].url.params["format"] == "diffusers"
    assert target.read_bytes() == b"safetensors bytes"
    assert str(target) in capsys.readouterr().out.splitlines()[0]  # whole, to copy


def test_download_of_an_old_model_in_kohya_says_why_and_writes_nothing(tmp_path, capsys):
    refusal = "mdl-1 was trained before … only format=diffusers is available for it"
    gateway = Gateway({
        ("GET", "/v1/models/mdl-1/weights"): httpx.Response(409, json={"detail": refusal}),
    })  # fmt: skip
    code = cli.main(
        ["download", "mdl-1", "--format", "kohya", "-o", str(tmp_path)], gateway.client()
    )
    assert code == 1
    assert "only format=diffusers" in capsys.readouterr().out
    assert not list(tmp_path.iterdir())


def test_a_failed_download_leaves_no_file(tmp_path, capsys):
    gateway = weights_gateway("diffusers")
    gateway.routes[("GET", "/zxq-mdl-1.safetensors")] = httpx.Response(403, content=b"expired")
    assert cli.main(["download", "mdl-1", "-o", str(tmp_path)], gateway.client()) == 1
    assert "could not download" in capsys.readouterr().out
    assert not list(tmp_path.iterdir())


def cancel_gateway(view: dict, answer: dict) -> Gateway:
    return Gateway({
        ("GET", "/v1/trainings/trn-1"): httpx.Response(200, json=view),
        ("POST", "/v1/trainings/trn-1/cancel"): httpx.Response(202, json=answer),
    })  # fmt: skip


def test_cancel_says_what_comes_back_and_asks_first(capsys, monkeypatch):
    offer = {"refund_now": "about 700 credits (280 of 400 steps not yet run)", "rule": "R."}
    view = {"status": "training", "cancel": offer}
    gateway = cancel_gateway(view, {"status": "cancelling", "refund": None})
    monkeypatch.setattr("rich.prompt.Confirm.ask", lambda *a, **k: False)
    assert cli.main(["cancel", "trn-1"], gateway.client()) == 1
    assert [r.method for r in gateway.requests] == ["GET"]  # said no: nothing cancelled
    said = " ".join(capsys.readouterr().out.split())
    assert "about 700 credits" in said and "not cancelled" in said
    assert cli.main(["cancel", "trn-1", "--yes"], gateway.client()) == 0
    assert [r.method for r in gateway.requests] == ["GET", "GET", "POST"]
    assert "cancelling" in capsys.readouterr().out


def test_cancel_of_an_ended_training_says_there_is_nothing_to_cancel(capsys):
    gateway = cancel_gateway({"status": "completed", "cancel": None}, {})
    assert cli.main(["cancel", "trn-1", "--yes"], gateway.client()) == 1
    assert [r.method for r in gateway.requests] == ["GET"]
    assert "nothing to cancel" in capsys.readouterr().out


def test_webhooks_add_prints_the_secret_once_and_sends_the_events(capsys):
    made = {"endpoint_id": "whe_1", "events": ["training.completed"], "secret": "whsec_abc"}
    gateway = Gateway({("POST", "/v1/webhooks"): httpx.Response(201, json=made)})
    argv = ["webhooks", "add", "https://me.example.com/h", "--events", "training.completed"]
    assert cli.main(argv, gateway.client()) == 0
    [sent] = gateway.requests
    assert json.loads(sent.content) == {
        "url": "https://me.example.com/h",
        "events": ["training.completed"],
        "description": "",
    }
    assert "whsec_abc" in capsys.readouterr().out


def test_webhooks_log_shows_each_attempt_s_answer(capsys):
    attempts = [
        {"status_code": 500, "error": None},
        {"status_code": None, "error": "no answer in time"},
        {"status_code": 200, "error": None},
    ]
    log = [{"created_at": "2026-12-04T12:00:00+00:00", "type": "training.failed",
            "state": "delivered", "attempts": attempts}]  # fmt: skip
    route = ("GET", "/v1/webhooks/whe_1/deliveries")
    gateway = Gateway({route: httpx.Response(200, json=log)})
    assert cli.main(["webhooks", "log", "whe_1"], gateway.client()) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith("2026-12-04 12:00:00  training.failed")
    assert line.endswith("delivered  500 → no answer in time → 200")


def test_generate_with_several_models_sends_each_with_its_weight():
    gateway = Gateway({
        ("POST", "/v1/generations"): httpx.Response(202, json={"generation_id": "gen-2"}),
        ("GET", "/v1/generations/gen-2/events"): httpx.Response(
            200, content=sse({"status": "failed", "reason": "stop here"})
        ),
    })  # fmt: skip
    argv = ["generate", "--model", "m-1", "--model", "m-2:0.7", "zxq, qvw"]
    assert cli.main(argv, gateway.client()) == 1
    sent = json.loads(gateway.requests[0].content)
    assert sent["models"] == [
        {"model_id": "m-1", "weight": 1.0},
        {"model_id": "m-2", "weight": 0.7},
    ]
    assert "model_id" not in sent


def test_a_weight_that_is_no_number_is_refused_before_anything_is_sent(capsys):
    gateway = Gateway({})
    with pytest.raises(SystemExit):
        cli.main(["generate", "--model", "m-1:heavy", "zxq"], gateway.client())
    assert gateway.requests == []
    assert "MODEL_ID:WEIGHT" in capsys.readouterr().err


def test_retrain_sends_the_photos_with_version_of_and_no_keyword(tmp_path, capsys):
    for index in range(15):
        (tmp_path / f"p{index}.png").write_bytes(PNG)
    done = {"status": "completed", "model_id": "mdl-2", "keyword": "zxq"}
    gateway = Gateway({
        ("POST", "/v1/trainings"): httpx.Response(
            202, json={"training_id": "trn-2", "status": "validating", "warnings": []}
        ),
        ("GET", "/v1/trainings/trn-2/events"): httpx.Response(200, content=sse(done)),
        ("GET", "/v1/models/mdl-1"): httpx.Response(200, json={"model_id": "mdl-1", "version": 2}),
    })  # fmt: skip
    assert cli.main(["retrain", "mdl-1", str(tmp_path), "--steps", "400"], gateway.client()) == 0
    upload = gateway.requests[0].content
    assert b'name="version_of"\r\n\r\nmdl-1' in upload and b'name="steps"' in upload
    assert b'name="keyword"' not in upload and b'name="type"' not in upload
    assert "version 2 ready of mdl-1" in capsys.readouterr().out


def test_compare_saves_each_version_s_images_under_its_number(tmp_path, capsys):
    def done(seed: int) -> bytes:
        image = {"url": f"http://s3/{seed}.png", "width": 8, "height": 8, "seed": seed}
        return sse({"status": "completed", "images": [image], "credits": 5})

    answer = {
        "model_id": "mdl-1", "seed": 42, "credits": 10,
        "generations": [
            {"version": 1, "generation_id": "gen-a"}, {"version": 2, "generation_id": "gen-b"}
        ],
    }  # fmt: skip
    gateway = Gateway({
        ("POST", "/v1/models/mdl-1/compare"): httpx.Response(202, json=answer),
        ("GET", "/v1/generations/gen-a/events"): httpx.Response(200, content=done(42)),
        ("GET", "/v1/generations/gen-b/events"): httpx.Response(200, content=done(42)),
        ("GET", "/42.png"): httpx.Response(200, content=PNG),
    })  # fmt: skip
    argv = ["compare", "mdl-1", "a zxq", "--versions", "1", "2", "--seed", "42", "--out"]
    assert cli.main([*argv, str(tmp_path)], gateway.client()) == 0
    sent = json.loads(gateway.requests[0].content)
    assert sent == {"prompt": "a zxq", "versions": [1, 2], "seed": 42, "num_outputs": 1,
                    "aspect_ratio": "1:1", "style": "none"}  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mdl-1-v1-0.png", "mdl-1-v2-0.png"]
    assert "seed 42 · 10 credits" in capsys.readouterr().out


def test_a_version_is_named_with_an_at_sign_and_sent_with_the_model():
    gateway = Gateway({
        ("POST", "/v1/generations"): httpx.Response(202, json={"generation_id": "gen-3"}),
        ("GET", "/v1/generations/gen-3/events"): httpx.Response(
            200, content=sse({"status": "failed", "reason": "stop here"})
        ),
        ("DELETE", "/v1/models/m-1"): httpx.Response(
            200, json={"model_id": "m-1", "versions": [1], "deleted": True}
        ),
    })  # fmt: skip
    cli.main(["generate", "--model", "m-1@1", "zxq"], gateway.client())
    cli.main(["generate", "--model", "m-1@2:0.5", "--model", "m-2", "zxq"], gateway.client())
    cli.main(["delete-model", "m-1", "--version", "1"], gateway.client())
    one, several = (json.loads(r.content) for r in gateway.requests if r.method == "POST")
    assert (one["model_id"], one["version"]) == ("m-1", 1)
    assert several["models"] == [
        {"model_id": "m-1", "weight": 0.5, "version": 2},
        {"model_id": "m-2", "weight": 1.0},
    ]
    assert gateway.requests[-1].url.params["version"] == "1"


def test_bases_lists_what_a_training_may_name_and_train_sends_the_one_chosen(tmp_path, capsys):
    for index in range(15):
        (tmp_path / f"p{index}.png").write_bytes(PNG)
    options = {"bases": [
        {"name": "aitrain-tiny", "label": "aitrain tiny", "family": "sd", "resolution": 64},
        {"name": "flux-dev", "label": "FLUX.1 [dev]", "family": "flux", "resolution": 1024,
         "training_credits": 3000},
    ]}  # fmt: skip
    done = {"status": "completed", "model_id": "mdl-1", "keyword": "zxq"}
    gateway = Gateway({
        ("GET", "/v1/training-options"): httpx.Response(200, json=options),
        ("POST", "/v1/trainings"): httpx.Response(
            202, json={"training_id": "trn-1", "status": "validating", "warnings": []}
        ),
        ("GET", "/v1/trainings/trn-1/events"): httpx.Response(200, content=sse(done)),
    })  # fmt: skip
    assert cli.main(["bases"], gateway.client()) == 0
    out = capsys.readouterr().out
    assert "flux-dev" in out and "FLUX.1 [dev]" in out and "1024" in out
    assert "3000 credits" in out and "usual price" in out
    argv = ["train", str(tmp_path), "--type", "object", "--keyword", "zxq", "--base", "flux-dev"]
    assert cli.main(argv, gateway.client()) == 0
    upload = gateway.requests[-2].content
    assert b'name="base"\r\n\r\nflux-dev' in upload
