"""What request handlers need, built once by the composition root."""

from dataclasses import dataclass

from fastapi import Request

from contracts.bus import EventBus
from gateway.adapters.accounts import MongoAccounts
from gateway.adapters.generations import MongoGenerations
from gateway.adapters.models import MongoModels
from gateway.adapters.storage import LinkSigner, UploadStorage
from gateway.adapters.trainings import MongoTrainings
from gateway.billing import BillingClient
from gateway.config import Settings


@dataclass
class GatewayContext:
    settings: Settings
    bus: EventBus
    accounts: MongoAccounts
    trainings: MongoTrainings
    models: MongoModels
    generations: MongoGenerations
    storage: UploadStorage
    signer: LinkSigner
    billing: BillingClient


def context(request: Request) -> GatewayContext:
    return request.app.state.ctx
