"""What request handlers need, built once by the composition root."""

from dataclasses import dataclass

from fastapi import Request

from contracts.bus import EventBus
from gateway.adapters.accounts import MongoAccounts
from gateway.adapters.storage import UploadStorage
from gateway.adapters.trainings import MongoTrainings
from gateway.billing import BillingClient
from gateway.config import Settings


@dataclass
class GatewayContext:
    settings: Settings
    bus: EventBus
    accounts: MongoAccounts
    trainings: MongoTrainings
    storage: UploadStorage
    billing: BillingClient


def context(request: Request) -> GatewayContext:
    return request.app.state.ctx
