"""The gateway's adapters: MongoDB stores, S3, billing over request-reply."""

from pymongo.asynchronous.database import AsyncDatabase

from gateway.adapters.mongo_accounts import MongoAccounts, MongoKeywords, MongoRequests
from gateway.adapters.mongo_checkouts import MongoCheckouts, MongoUploadUsage
from gateway.adapters.mongo_idempotency import MongoIdempotency
from gateway.adapters.mongo_logins import MongoFailures, MongoLogins
from gateway.adapters.mongo_views import MongoGenerations, MongoModels, MongoTrainings
from gateway.adapters.mongo_webhooks import MongoWebhookDeliveries, MongoWebhookEndpoints
from gateway.adapters.sealing import SecretBox


def mongo_stores(db: AsyncDatabase, box: SecretBox) -> dict:
    """Every store of the gateway in its database, by the name Ports gives it."""
    return {
        "accounts": MongoAccounts(db),
        "logins": MongoLogins(db),
        "failures": MongoFailures(db),
        "keywords": MongoKeywords(db),
        "trainings": MongoTrainings(db),
        "models": MongoModels(db),
        "generations": MongoGenerations(db),
        "requests": MongoRequests(db),
        "checkouts": MongoCheckouts(db),
        "upload_usage": MongoUploadUsage(db),
        "idempotency": MongoIdempotency(db),
        "webhook_endpoints": MongoWebhookEndpoints(db, box),
        "webhook_deliveries": MongoWebhookDeliveries(db),
    }


async def create_indexes(stores: dict) -> None:
    for store in stores.values():
        if hasattr(store, "create_indexes"):
            await store.create_indexes()
