"""Limits met before anything else: body size (413 before authentication), rate limits by
address and by caller with the RateLimit headers (429 with Retry-After), stricter ones on
sign-in, and live streams capped per account and ended when nothing changes (in-memory
ports)."""

import pytest
from gateway_app import ADMIN, fake_gateway, new_account
from gateway_records import training

from gateway.api import streams
from gateway.app.outbox import outgoing

SCALE = {"rate_limit_scale": 0.05}  # address: 60/min, burst 15; caller: 30/min, burst 6


async def test_a_caller_over_its_limit_gets_a_429_and_others_do_not():
    async with fake_gateway(**SCALE) as (http, _, _):
        _, first = await new_account(http)  # the admin's request counts by address only
        _, second = await new_account(http)
        answers = [await http.get("/v1/account", headers=first) for _ in range(7)]
        assert [a.status_code for a in answers] == [200] * 6 + [429]
        assert [a.headers["RateLimit-Remaining"] for a in answers[:6]] == list("543210")
        refused = answers[-1]
        assert int(refused.headers["Retry-After"]) == 2  # one request per 2 s refills
        assert refused.headers["RateLimit-Policy"] == "30;w=60"
        assert "caller limit" in refused.json()["detail"]
        assert refused.headers["X-Correlation-ID"]
        assert (await http.get("/v1/account", headers=second)).status_code == 200


async def test_an_address_is_limited_whoever_it_claims_to_be():
    async with fake_gateway(**SCALE) as (http, _, _):
        made_up = [{"Authorization": f"Bearer ait_{n:016x}_secret"} for n in range(20)]
        answers = [await http.get("/v1/account", headers=h) for h in made_up]
        codes = [a.status_code for a in answers]
        assert codes[:15] == [401] * 15 and set(codes[15:]) == {429}
        assert "address limit" in answers[-1].json()["detail"]


async def test_sign_in_attempts_are_limited_by_address():
    async with fake_gateway() as (http, _, _):
        tries = [
            await http.post("/v1/password", json={"link": "nope", "password": "long enough pw"})
            for _ in range(11)
        ]
        assert [t.status_code for t in tries][-1] == 429
        assert all(t.status_code != 429 for t in tries[:10])
        assert "sign-in limit" in tries[-1].json()["detail"]


async def test_without_limits_nothing_is_refused():
    async with fake_gateway(rate_limit_scale=0) as (http, _, _):
        _, me = await new_account(http)
        answers = [await http.get("/v1/account", headers=me) for _ in range(40)]
        assert {a.status_code for a in answers} == {200}
        assert "RateLimit-Remaining" not in answers[0].headers


async def test_a_large_body_is_refused_before_authentication():
    async with fake_gateway() as (http, _, _):
        big = b'{"plan": "' + b"x" * 300_000 + b'"}'
        declared = await http.post(
            "/v1/subscription", content=big, headers={"Content-Type": "application/json"}
        )
        assert declared.status_code == 413  # not 401: the body was never read

        async def chunks():
            for _ in range(40):
                yield b"x" * 10_000

        streamed = await http.post("/v1/subscription", content=chunks())
        assert streamed.status_code == 413
        fine = await http.post(
            "/v1/accounts", json={}, headers={"Authorization": f"Bearer {ADMIN}"}
        )
        assert fine.status_code == 201


async def test_live_streams_are_capped_per_account(monkeypatch):
    async with fake_gateway() as (http, ports, _):
        account_id, me = await new_account(http)
        await ports.trainings.create(training(account_id=account_id), outgoing())
        monkeypatch.setitem(streams._open, account_id, streams.MAX_STREAMS)
        refused = await http.get("/v1/trainings/trn-1/events", headers=me)
        assert refused.status_code == 429
        assert "live updates are open" in refused.json()["detail"]


async def test_a_stream_of_a_stuck_training_ends(monkeypatch):
    monkeypatch.setattr(streams, "QUIET_END_S", 0.5)
    async with fake_gateway() as (http, ports, _):
        account_id, me = await new_account(http)
        await ports.trainings.create(training(account_id=account_id), outgoing())
        answer = await http.get("/v1/trainings/trn-1/events", headers=me)
        first, *_ = answer.text.split("\n\n")
        assert "event: status" in first.splitlines()
        assert "event: quiet" in answer.text
        assert account_id not in streams._open  # its place is given back


@pytest.fixture(autouse=True)
def no_streams_left():
    yield
    assert streams._open == {}
