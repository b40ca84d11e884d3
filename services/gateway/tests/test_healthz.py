"""GET /healthz probes every dependency for real and names the ones that do not answer."""

import pytest
from fastapi.testclient import TestClient
from gateway_app import fake_gateway, new_account

from aitrain_local.process import free_port
from gateway.config import Settings
from gateway.main import create_app

pytestmark = pytest.mark.integration


def settings(service_env: dict[str, str], **overrides: str) -> Settings:
    env = {k.lower(): v for k, v in service_env.items()} | overrides
    return Settings(**env)


def test_healthy_when_every_dependency_answers(service_env, topology):
    with TestClient(create_app(settings(service_env))) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["dependencies"]) == {"nats", "mongo", "s3"}
    assert all(dep["ok"] for dep in body["dependencies"].values())
    assert topology.event_stream in body["dependencies"]["nats"]["detail"]


def test_unhealthy_names_the_dependency_that_is_down(service_env):
    dead_s3 = f"http://127.0.0.1:{free_port()}"
    with TestClient(create_app(settings(service_env, s3_endpoint=dead_s3))) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    deps = response.json()["dependencies"]
    assert deps["s3"]["ok"] is False
    assert deps["s3"]["detail"]
    assert deps["nats"]["ok"] and deps["mongo"]["ok"]


def test_a_missing_bucket_is_reported(service_env):
    with TestClient(create_app(settings(service_env, s3_bucket="no-such-bucket"))) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert "no-such-bucket" in response.json()["dependencies"]["s3"]["detail"]


def test_every_response_carries_a_correlation_id(service_env):
    with TestClient(create_app(settings(service_env))) as client:
        made = client.get("/healthz")
        kept = client.get("/healthz", headers={"X-Correlation-ID": "retry-7f3a"})
        refused = client.get("/healthz", headers={"X-Correlation-ID": "bad id\twith tabs"})
    assert len(made.headers["X-Correlation-ID"]) == 36
    assert kept.headers["X-Correlation-ID"] == "retry-7f3a"
    assert refused.headers["X-Correlation-ID"] not in ("bad id\twith tabs", "")


async def test_requests_are_counted_by_route_template_not_by_path():
    from prometheus_client import REGISTRY

    def count(route: str, code: str) -> float:
        labels = {"method": "GET", "route": route, "code": code}
        return REGISTRY.get_sample_value("aitrain_http_requests_total", labels) or 0.0

    route = "/v1/models/{model_id}"
    before = count(route, "404"), count("unmatched", "404")
    async with fake_gateway() as (http, _, _):
        _, me = await new_account(http)
        for model in ("mdl-a", "mdl-b"):
            assert (await http.get(f"/v1/models/{model}", headers=me)).status_code == 404
        assert (await http.get("/no/such/page", headers=me)).status_code == 404
    assert count(route, "404") - before[0] == 2  # one series for every model id
    assert count("unmatched", "404") - before[1] == 1
