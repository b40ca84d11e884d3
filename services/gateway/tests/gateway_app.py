"""The gateway app over in-memory ports (no server), with a stand-in for billing that
answers plan changes and purchases the way billing does: with AccountChanged."""

from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx

from contracts.events import AccountChanged, CreditsPurchased, SubscriptionRequested
from contracts.queries.billing import AccountBalance
from gateway import fakes
from gateway.adapters.policy_moderation import PolicyModeration
from gateway.config import Settings
from gateway.domain.records import Model
from gateway.main import create_app

ADMIN = "admin-token-for-fakes"


@asynccontextmanager
async def fake_gateway(**settings):
    """(http client, ports, app) of a gateway whose every port is a fake; `settings` override
    the gateway's Settings."""
    ports = fakes.memory_ports()
    config = Settings(aitrain_admin_token=ADMIN, **settings)
    ports.moderation = PolicyModeration(config.moderation_policy())  # as main wires it
    app = create_app(config, ports=ports)
    changes = app.state.gateway.account_changes

    async def billing_applies(event) -> None:
        if isinstance(event, SubscriptionRequested | CreditsPurchased):
            request_id = getattr(event, "request_id", None) or event.purchase_id
            credits = getattr(event, "credits", 0)
            await changes.on_account_changed(
                AccountChanged.new(
                    account_id=event.account_id,
                    correlation_id=event.correlation_id,
                    request_id=request_id,
                    change="purchase" if credits else "subscription",
                    plan=getattr(event, "plan", "free"),
                    credits=credits,
                    free_trainings=0,
                )
            )

    ports.publisher.then = billing_applies
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://gateway") as http,
    ):
        yield http, ports, app


async def new_account(http) -> tuple[str, dict[str, str]]:
    made = await http.post("/v1/accounts", headers={"Authorization": f"Bearer {ADMIN}"})
    return made.json()["account_id"], {"Authorization": f"Bearer {made.json()['api_key']}"}


async def add_model(
    ports,
    account_id: str,
    model_id: str = "mdl-1",
    keyword: str = "zxq",
    version_of: str = "",
    base: str | None = None,
):
    """A ready model (or, with `version_of`, the next version of that one), on `base` (None:
    trained before the catalog)."""
    version = await ports.models.last_version(version_of) + 1 if version_of else 1
    training, weights = f"trn-{model_id}", "w" if version == 1 else f"w-{model_id}"
    await ports.models.add(
        Model(
            model_id,
            account_id,
            training,
            keyword,
            "object",
            weights,
            datetime.now(UTC),
            family_id=version_of or None,
            version=version,
            base=base,
        )
    )


def balance(account_id: str, credits: int, free: int = 0) -> AccountBalance:
    """What the scripted billing answers for the account."""
    return AccountBalance(
        account_id=account_id, plan="pro", credits=credits, free_trainings=free,
        training_credits=1000, image_credits=5,
    )  # fmt: skip
