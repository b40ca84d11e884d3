"""The API fuzzed from its own OpenAPI document (schemathesis): whatever a client sends,
no answer is a server error, every answer matches the document (status, headers, body),
and data the document forbids is refused. Data the document allows may still be refused
with a 422 naming a rule it cannot express (a prompt without the model's keyword, a
password without an email), so that check is left out. Bounded for `make test`; in-memory
ports, rate limits off (they would answer 429 to a fuzzer, which is their job, not what is
checked here)."""

import asyncio
import uuid

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from gateway import fakes
from gateway.api import streams
from gateway.config import Settings
from gateway.main import create_app

ADMIN = "fuzz-admin-token"
EXAMPLES = 12  # per operation: about 40 operations, well under a minute

ports = fakes.memory_ports()
app = create_app(Settings(aitrain_admin_token=ADMIN, rate_limit_scale=0), ports=ports)
made = asyncio.run(app.state.gateway.account_keys.create_account(str(uuid.uuid4())))
USER = {"Authorization": f"Bearer {made.key.plaintext}"}
for _ in range(3):  # the operator's dead letters answer with bodies, not only 404s
    ports.dead_letters.park("billing-ledger", '{"event_type": "TrainingFailed"}', "gave up")
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


def caller_for(path: str, method: str) -> dict[str, str]:
    """The admin token where only the admin may call, the account's key elsewhere."""
    admin_only = (
        "{account_id}" in path
        or path.startswith("/v1/admin/")
        or path.endswith("/paid")
        or (path == "/v1/accounts" and method == "POST")
    )
    return {"Authorization": f"Bearer {ADMIN}"} if admin_only else USER


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same cases every run: a failure here is never a fluke
)
def test_no_server_error_and_every_answer_matches_the_document(case, monkeypatch):
    monkeypatch.setattr(streams, "QUIET_END_S", 0.2)  # a live stream ends, so the call does
    case.call_and_validate(
        headers=caller_for(case.path, case.method), excluded_checks=[positive_data_acceptance]
    )
