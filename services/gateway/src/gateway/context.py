"""What request handlers need, built once in the app's lifespan."""

from dataclasses import dataclass

from fastapi import Request

from contracts.bus import EventBus
from gateway.adapters.accounts import MongoAccounts
from gateway.billing import BillingClient
from gateway.config import Settings


@dataclass
class GatewayContext:
    settings: Settings
    bus: EventBus
    accounts: MongoAccounts
    billing: BillingClient


def context(request: Request) -> GatewayContext:
    return request.app.state.ctx
