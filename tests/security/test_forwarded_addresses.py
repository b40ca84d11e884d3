"""A client's address, which per-address limits count, comes from the connection unless the
request came through a proxy the operator named (FORWARDED_ALLOW_IPS): anyone on the host
could otherwise rotate X-Forwarded-For and never be limited. The gateway is served as
`python -m gateway` serves it (uvicorn), over in-memory stores."""

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn

from aitrain_local.process import free_port
from gateway import fakes
from gateway.__main__ import server_config
from gateway.config import Settings
from gateway.domain import rate_limits
from gateway.main import create_app

ATTEMPTS = rate_limits.SIGN_IN.burst + 2  # sign-in attempts are limited per address


@contextmanager
def served(**settings) -> Iterator[str]:
    config = Settings(gateway_port=free_port(), log_level="warning", **settings)
    server = uvicorn.Server(server_config(create_app(config, ports=fakes.memory_ports()), config))
    thread = threading.Thread(target=asyncio.run, args=(server.serve(),), daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the gateway did not start"
        threading.Event().wait(0.02)
    try:
        yield f"http://127.0.0.1:{config.gateway_port}"
    finally:
        server.should_exit = True
        thread.join(10)


def sign_in_statuses(url: str) -> list[int]:
    """A wrong password from a new made-up address each time, as X-Forwarded-For says."""
    statuses = []
    with httpx.Client(base_url=url) as http:
        for n in range(ATTEMPTS):
            answer = http.post(
                "/v1/sessions",
                json={"email": f"guess-{n}@example.com", "password": "not the password"},
                headers={"X-Forwarded-For": f"198.51.100.{n + 1}"},
            )
            statuses.append(answer.status_code)
    return statuses


def test_a_spoofed_forwarded_header_does_not_change_the_limiters_key():
    with served() as url:
        statuses = sign_in_statuses(url)
    assert statuses[: rate_limits.SIGN_IN.burst] == [401] * rate_limits.SIGN_IN.burst
    assert statuses[-1] == 429, statuses


def test_behind_a_named_proxy_each_client_address_counts_on_its_own():
    with served(forwarded_allow_ips="127.0.0.1") as url:
        statuses = sign_in_statuses(url)
    assert statuses == [401] * ATTEMPTS
