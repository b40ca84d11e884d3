"""Signing in to the dashboard, on in-memory ports: email and password (one generic refusal,
slowed down after failures), the session cookie, CSRF on cookie-authenticated unsafe
requests, sign-out (here and everywhere), sign-up when open, set-password links."""

import re

import pytest
from gateway_app import ADMIN, fake_gateway

from gateway.api.auth import COOKIE
from gateway.domain import sign_in

ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN}"}
SITE = {"Origin": "http://gateway"}  # what the dashboard's own pages send
PASSWORD = "correct horse battery"


async def person(http, email="ann@example.com", password: str | None = PASSWORD) -> dict:
    body = {"email": email} | ({"password": password} if password else {})
    made = await http.post("/v1/accounts", headers=ADMIN_HEADERS, json=body)
    assert made.status_code == 201, made.text
    return made.json()


async def signed_in(http, email="ann@example.com", password=PASSWORD):
    answer = await http.post(
        "/v1/sessions", json={"email": email, "password": password}, headers=SITE
    )
    assert answer.status_code == 201, answer.text
    return answer


async def test_sign_in_sets_an_httponly_strict_cookie_and_answers_the_csrf_token():
    async with fake_gateway() as (http, _, _):
        made = await person(http)
        answer = await signed_in(http, "  Ann@Example.com ")  # spaces and case do not matter
        cookie = answer.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE}=")
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=604800" in cookie
        assert "Secure" not in cookie  # plain http on loopback
        me = await http.get("/v1/session")
        assert me.json()["account_id"] == made["account_id"] == answer.json()["account_id"]
        assert me.json()["csrf_token"] == answer.json()["csrf_token"]
        assert (await http.get("/v1/account")).status_code == 200  # the API, by cookie


async def test_over_https_the_cookie_is_secure():
    async with fake_gateway() as (http, _, _):
        await person(http)
        http.base_url = "https://gateway"
        answer = await http.post(
            "/v1/sessions", json={"email": "ann@example.com", "password": PASSWORD}
        )
        assert "Secure" in answer.headers["set-cookie"]


async def test_a_wrong_password_and_an_unknown_email_get_the_same_refusal():
    async with fake_gateway() as (http, _, _):
        await person(http)
        wrong = await http.post(
            "/v1/sessions", json={"email": "ann@example.com", "password": "x" * 12}
        )
        unknown = await http.post(
            "/v1/sessions", json={"email": "bob@example.com", "password": PASSWORD}
        )
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json() == unknown.json() == {"detail": sign_in.WRONG}
        assert COOKIE not in http.cookies


async def test_repeated_failures_are_slowed_down_per_account(monkeypatch):
    # the address's rate limit (10 a minute, tested on its own) off: this is the backoff
    async with fake_gateway(rate_limit_scale=0) as (http, _, app):
        await person(http)
        clock = [1000.0]
        monkeypatch.setattr(app.state.gateway.sign_ins, "clock", lambda: clock[0])
        bad = {"email": "ann@example.com", "password": "not the password"}
        for _ in range(sign_in.PER_ACCOUNT.free):
            assert (await http.post("/v1/sessions", json=bad)).status_code == 401
        throttled = await http.post(
            "/v1/sessions", json={"email": "ann@example.com", "password": PASSWORD}
        )
        assert throttled.status_code == 429  # even the right password waits its turn
        assert int(throttled.headers["Retry-After"]) >= 1
        assert "try again in" in throttled.json()["detail"]
        clock[0] += 2  # the wait is over
        assert (await http.post("/v1/sessions", json=bad)).status_code == 401
        clock[0] += 1.5  # the next wait doubled: 2 s
        assert (await http.post("/v1/sessions", json=bad)).status_code == 429
        clock[0] += 1  # an attempt refused early starts the wait again
        assert (await http.post("/v1/sessions", json=bad)).status_code == 429
        clock[0] += 2
        assert (await signed_in(http)).status_code == 201  # and success clears the count
        bad_again = await http.post("/v1/sessions", json=bad)
        assert bad_again.status_code == 401


def test_the_backoff_doubles_and_is_forgotten_after_the_window():
    rule = sign_in.Backoff(free=2, window_s=100, cap_s=8)
    assert rule.wait_s(1, last_at=0, now=0) == 0
    assert [rule.wait_s(n, last_at=0, now=0) for n in (2, 3, 4, 5, 9)] == [1, 2, 4, 8, 8]
    assert rule.wait_s(9, last_at=0, now=101) == 0


async def test_many_failures_from_one_address_slow_down_every_account_tried_from_it():
    # the backoff on its own: the sign-in rate limit (test_limits.py) would answer first
    async with fake_gateway(rate_limit_scale=0) as (http, _, _):
        await person(http)
        for n in range(sign_in.PER_ADDRESS.free):
            email = f"guess{n}@example.com"
            assert (
                await http.post("/v1/sessions", json={"email": email, "password": "x" * 10})
            ).status_code == 401
        answer = await http.post(
            "/v1/sessions", json={"email": "ann@example.com", "password": PASSWORD}
        )
        assert answer.status_code == 429


async def test_cookie_requests_that_change_things_need_this_site_s_origin_and_the_token():
    async with fake_gateway() as (http, _, _):
        await person(http)
        token = (await signed_in(http)).json()["csrf_token"]
        forged = await http.post("/v1/api-keys", headers={"Origin": "http://evil.example"})
        assert forged.status_code == 403 and "cross-site" in forged.json()["detail"]
        no_token = await http.post("/v1/api-keys", headers=SITE)
        assert no_token.status_code == 403
        other_site = await http.post(
            "/v1/api-keys", headers={"Origin": "http://evil.example", "X-CSRF-Token": token}
        )
        assert other_site.status_code == 403
        no_origin = await http.post("/v1/api-keys", headers={"X-CSRF-Token": token})
        assert no_origin.status_code == 403
        assert len((await http.get("/v1/api-keys")).json()) == 1  # the first key only
        ok = await http.post("/v1/api-keys", headers=SITE | {"X-CSRF-Token": token})
        assert ok.status_code == 201
        assert len((await http.get("/v1/api-keys")).json()) == 2  # only the genuine one made a key
        login = await http.post(
            "/v1/sessions",
            headers={"Origin": "http://evil.example"},
            json={"email": "ann@example.com", "password": PASSWORD},
        )
        assert login.status_code == 403  # no signing a browser in from another site either


async def test_signing_out_ends_this_session_and_everywhere_ends_all():
    async with fake_gateway() as (http, _, _):
        await person(http)
        first = await signed_in(http)
        first_cookie = http.cookies[COOKIE]
        second = await signed_in(http)
        token = second.json()["csrf_token"]
        out = await http.delete("/v1/session", headers=SITE | {"X-CSRF-Token": token})
        assert out.status_code == 204 and COOKIE not in http.cookies
        assert (await http.get("/v1/session")).status_code == 401
        http.cookies.set(COOKIE, first_cookie)
        assert (await http.get("/v1/session")).status_code == 200  # the other one lives
        token = first.json()["csrf_token"]
        assert (
            await http.delete("/v1/sessions", headers=SITE | {"X-CSRF-Token": token})
        ).status_code == 204
        http.cookies.set(COOKIE, first_cookie)
        ended = await http.get("/v1/account")
        assert ended.status_code == 401 and "sign in again" in ended.json()["detail"]


async def test_a_session_expires(monkeypatch):
    async with fake_gateway(session_ttl_h=1) as (http, _, app):
        await person(http)
        await signed_in(http)
        later = app.state.gateway.sign_ins.clock() + 3601
        monkeypatch.setattr(app.state.gateway.sign_ins, "clock", lambda: later)
        assert (await http.get("/v1/account")).status_code == 401


async def test_api_keys_still_work_beside_sessions():
    async with fake_gateway() as (http, _, _):
        made = await person(http)
        await signed_in(http)
        bearer = {"Authorization": f"Bearer {made['api_key']}"}
        assert (await http.post("/v1/api-keys", headers=bearer)).status_code == 201  # no CSRF


async def test_sign_up_is_closed_by_default_and_open_when_set():
    credentials = {"email": "new@example.com", "password": PASSWORD}
    async with fake_gateway() as (http, _, _):
        assert (await http.get("/v1/signup")).json() == {"open": False}
        closed = await http.post("/v1/sign-ups", json=credentials)
        assert closed.status_code == 403 and "closed" in closed.json()["detail"]
    async with fake_gateway(aitrain_signup="open") as (http, _, _):
        made = await http.post("/v1/sign-ups", json=credentials, headers=SITE)
        assert made.status_code == 201 and COOKIE in http.cookies
        assert (await http.get("/v1/account")).json()["account_id"] == made.json()["account_id"]
        again = await http.post("/v1/sign-ups", json=credentials)
        assert again.status_code == 409 and "sign in instead" in again.json()["detail"]
        short = await http.post(
            "/v1/sign-ups", json={"email": "x@example.com", "password": "short"}
        )
        assert short.status_code == 422 and "at least 10" in short.json()["detail"]
        not_email = await http.post("/v1/sign-ups", json={"email": "nobody", "password": PASSWORD})
        assert not_email.status_code == 422 and "not an email" in not_email.json()["detail"]


async def test_an_account_made_without_a_password_gets_a_one_time_link():
    async with fake_gateway() as (http, _, _):
        made = await person(http, password=None)
        link = re.fullmatch(r"http://gateway/set-password#link=(\S+)", made["set_password_url"])
        assert link, made
        assert (
            await http.post("/v1/sessions", json={"email": "ann@example.com", "password": PASSWORD})
        ).status_code == 401
        done = await http.post("/v1/password", json={"link": link[1], "password": PASSWORD})
        assert done.status_code == 200 and done.json() == {"email": "ann@example.com"}
        assert (await signed_in(http)).status_code == 201
        reused = await http.post(
            "/v1/password", json={"link": link[1], "password": "another password"}
        )
        assert reused.status_code == 422 and "used up" in reused.json()["detail"]


async def test_the_admin_gives_an_existing_account_a_login_and_emails_stay_unique():
    async with fake_gateway() as (http, _, _):
        first = await person(http)
        plain = (await http.post("/v1/accounts", headers=ADMIN_HEADERS)).json()
        assert plain["email"] is None and plain["set_password_url"] is None
        taken = await http.put(
            f"/v1/accounts/{plain['account_id']}/login",
            headers=ADMIN_HEADERS,
            json={"email": "ann@example.com", "password": PASSWORD},
        )
        assert taken.status_code == 409
        given = await http.put(
            f"/v1/accounts/{plain['account_id']}/login",
            headers=ADMIN_HEADERS,
            json={"email": "cy@example.com", "password": PASSWORD},
        )
        assert given.status_code == 200 and given.json()["set_password_url"] is None
        signed = await signed_in(http, "cy@example.com")
        assert signed.json()["account_id"] == plain["account_id"] != first["account_id"]
        duplicate = await http.post(
            "/v1/accounts", headers=ADMIN_HEADERS, json={"email": "cy@example.com"}
        )
        assert duplicate.status_code == 409
        unknown = await http.put(
            "/v1/accounts/acct_nobody/login", headers=ADMIN_HEADERS, json={"email": "d@example.com"}
        )
        assert unknown.status_code == 404
        not_admin = await http.put(
            f"/v1/accounts/{plain['account_id']}/login",
            headers={"Authorization": f"Bearer {plain['api_key']}"},
            json={"email": "e@example.com"},
        )
        assert not_admin.status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/sign-in",
        "/training",
        "/training/new",
        "/training/trn_x",
        "/text-to-image",
        "/credits",
        "/api-keys",
        "/webhooks",
        "/set-password",
    ],
)
async def test_every_page_is_served_without_signing_in(path):
    async with fake_gateway() as (http, _, _):
        page = await http.get(path, follow_redirects=True)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert '<script type="module" src="/static/app.js">' in page.text
