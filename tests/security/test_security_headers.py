"""Every answer carries the headers that make a browser refuse what the dashboard never does:
a strict Content-Security-Policy (no inline script, nothing from elsewhere but images from
the object store, no framing), nosniff, a same-origin Referrer-Policy, and HSTS over https.
(tests/e2e/test_dashboard.py runs every browser test under the policy and fails on any
violation the browser reports.)"""

import pytest
from gateway_app import fake_gateway

OBJECT_STORE = "https://files.example.com"
ANSWERS = [
    "/training",  # a page
    "/static/app.js",  # a static file
    "/v1/account",  # the API (401: no key)
    "/v1/no-such-thing",  # a 404
]


def directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in policy.split("; ")}


@pytest.mark.parametrize("path", ANSWERS)
async def test_every_answer_carries_the_headers(path):
    async with fake_gateway(s3_public_endpoint=f"{OBJECT_STORE}/bucket-path") as (http, _, _):
        answer = await http.get(path)
    csp = directives(answer.headers["content-security-policy"])
    assert csp["default-src"] == csp["script-src"] == csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "blob:", OBJECT_STORE]
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in answer.headers  # plain http


async def test_over_https_the_browser_is_told_to_stay_on_https():
    async with fake_gateway() as (http, _, _):
        http.base_url = "https://gateway"
        answer = await http.get("/training")
    assert answer.headers["strict-transport-security"].startswith("max-age=")


async def test_a_refused_request_carries_them_too():
    async with fake_gateway(rate_limit_scale=0.01) as (http, _, _):
        statuses = set()
        for _ in range(20):
            answer = await http.post("/v1/sessions", json={"email": "a@b.co", "password": "x"})
            statuses.add(answer.status_code)
            if answer.status_code == 429:
                break
    assert answer.status_code == 429, statuses
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
