"""Composition root: settings → bus, database, storage → the FastAPI app."""

from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from faststream import FastStream
from minio import Minio
from pymongo import AsyncMongoClient

from contracts.bus import EventBus, QueryFailed, connect_bus, service_app
from contracts.logs import configure_logging
from gateway import health, requests, subscribers
from gateway.adapters.accounts import MongoAccounts
from gateway.adapters.generations import MongoGenerations
from gateway.adapters.models import MongoModels
from gateway.adapters.storage import LinkSigner, UploadStorage
from gateway.adapters.trainings import MongoTrainings
from gateway.api import accounts as accounts_api
from gateway.api import credits as credits_api
from gateway.api import generations as generations_api
from gateway.api import models as models_api
from gateway.api import trainings as trainings_api
from gateway.billing import BillingClient
from gateway.config import SERVICE, Settings
from gateway.context import GatewayContext
from gateway.projection import ReadModelHandlers

DESCRIPTION = "aitrain gateway: the HTTP API for clients, with read models built from events."


def create_bus(settings: Settings, views: ReadModelHandlers) -> EventBus:
    bus = connect_bus(SERVICE, settings.nats_url, settings.topology())
    subscribers.register(bus, views)
    return bus


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(SERVICE, settings.log_level)
    mongo = AsyncMongoClient(settings.mongo_url, serverSelectionTimeoutMS=2000)
    db = mongo[settings.database(SERVICE)]
    accounts, trainings = MongoAccounts(db), MongoTrainings(db)
    models, generations = MongoModels(db), MongoGenerations(db)
    bus = create_bus(settings, ReadModelHandlers(trainings, models, generations))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        minio = Minio(**settings.minio_kwargs())
        await accounts.create_indexes()
        for store in (trainings, models, generations):
            await store.create_indexes()
        await bus.start()
        app.state.deps = health.Dependencies(bus, mongo, minio, settings.s3_bucket)
        app.state.ctx = GatewayContext(
            settings,
            bus,
            accounts,
            trainings,
            models,
            generations,
            UploadStorage(minio, settings.s3_bucket),
            LinkSigner(
                Minio(**settings.public_minio_kwargs()),
                settings.s3_bucket,
                timedelta(seconds=settings.link_ttl_s),
            ),
            BillingClient(bus),
        )
        try:
            yield
        finally:
            await bus.stop()
            await mongo.close()

    app = FastAPI(title="aitrain", description=DESCRIPTION, lifespan=lifespan)
    requests.install(app)
    app.include_router(accounts_api.router)
    app.include_router(credits_api.router)
    app.include_router(trainings_api.router)
    app.include_router(models_api.router)
    app.include_router(generations_api.router)

    @app.exception_handler(QueryFailed)
    async def service_unavailable(request, exc: QueryFailed) -> JSONResponse:
        return JSONResponse({"detail": f"temporarily unavailable: {exc}"}, status_code=503)

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        """Each dependency probed now: 200 when all answer, 503 naming the ones that do not."""
        body = await health.report(app.state.deps)
        return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)

    return app


def asyncapi_app(settings: Settings | None = None) -> FastStream:
    """The gateway's bus side as a FastStream app, for the AsyncAPI document."""
    views = ReadModelHandlers(None, None, None)  # never started: it needs no stores
    return service_app(create_bus(settings or Settings(), views), DESCRIPTION)
