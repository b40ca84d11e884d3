"""Composition root: settings → ports (MongoDB, S3, the bus; or fakes) → use cases → the app.

`create_app(settings)` wires the real world; a test hands `ports=` (e.g. gateway.fakes) and
gets the same app without any server: no bus consumer, no health probes.
"""

import asyncio
from contextlib import asynccontextmanager, nullcontext
from datetime import timedelta

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse
from faststream import FastStream
from minio import Minio
from pymongo import AsyncMongoClient

from contracts.bus import connect_bus, exported, service_app
from contracts.events.account import PAID_PLANS
from contracts.logs import configure_logging
from gateway import correlation, dashboard, fakes, health, security_headers, subscribers
from gateway.adapters import create_indexes, mongo_stores
from gateway.adapters.billing_queries import BusBilling
from gateway.adapters.bus_dead_letters import BusDeadLetters
from gateway.adapters.bus_view_changes import BusViewChanges
from gateway.adapters.dataset_queries import BusDatasetChecks
from gateway.adapters.http_webhooks import HttpWebhookSender
from gateway.adapters.kv_rate_limits import KvRateLimits
from gateway.adapters.payment_providers import OperatorPayments, StripePayments, parse_prices
from gateway.adapters.policy_moderation import PolicyModeration
from gateway.adapters.sealing import SecretBox
from gateway.adapters.storage import S3Links, S3Uploads
from gateway.api import (
    accounts,
    credits,
    dead_letters,
    errors,
    generations,
    limits,
    models,
    payments,
    sessions,
    strict,
    trainings,
    webhooks,
)
from gateway.api.idempotency import forget_expired_answers
from gateway.app.gateway import Gateway, build
from gateway.app.upload_quota import Quota
from gateway.config import SERVICE, Settings
from gateway.domain.webhook_urls import parse_networks
from gateway.domain.webhooks import parse_schedule
from gateway.ports import Ports

DESCRIPTION = "aitrain gateway: the HTTP API for clients, with read models built from events."
ROUTERS = (
    accounts,
    sessions,
    credits,
    payments,
    trainings,
    models,
    generations,
    webhooks,
    dead_letters,
)


def payment_provider(settings: Settings) -> OperatorPayments | StripePayments:
    if settings.aitrain_payments == "operator":
        return OperatorPayments()
    prices = parse_prices(settings.stripe_prices)
    missing = [plan for plan in PAID_PLANS if plan not in prices]
    if not settings.stripe_secret_key or not settings.stripe_webhook_secret or missing:
        raise ValueError(
            "AITRAIN_PAYMENTS=stripe needs STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and "
            f"STRIPE_PRICES naming a price for every paid plan (missing: {missing or 'none'})"
        )
    return_url = f"{settings.aitrain_public_url.rstrip('/')}/credits"
    return StripePayments(settings.stripe_secret_key, prices, return_url, settings.stripe_api)


class _Real:
    """The real ports and what they need started, checked and closed."""

    def __init__(self, settings: Settings):
        self.mongo = AsyncMongoClient(settings.mongo_url, serverSelectionTimeoutMS=2000)
        db = self.mongo[settings.database(SERVICE)]
        minio = Minio(**settings.minio_kwargs())
        signer = Minio(**settings.public_minio_kwargs())
        self.bus = connect_bus(
            SERVICE, settings.nats_url, settings.topology(), **settings.nats_credentials()
        )
        self.stores = mongo_stores(db, SecretBox(settings.aitrain_secret_keys))
        self.rate_limits = KvRateLimits(self.bus)
        self.ports = Ports(
            **self.stores,
            uploads=S3Uploads(minio, settings.s3_bucket),
            links=S3Links(signer, settings.s3_bucket, timedelta(seconds=settings.link_ttl_s)),
            billing=BusBilling(self.bus),
            publisher=self.bus,
            payments=payment_provider(settings),
            moderation=PolicyModeration(settings.moderation_policy()),
            rate_limits=self.rate_limits,
            dead_letters=BusDeadLetters(self.bus),
            dataset_checks=BusDatasetChecks(self.bus),
            webhook_sender=HttpWebhookSender(parse_networks(settings.webhook_allow_networks)),
            view_changes=BusViewChanges(self.bus),
        )
        self.checks = health.checks(self.bus, self.mongo, minio, settings.s3_bucket)

    async def start(self, gateway: Gateway) -> None:
        await create_indexes(self.stores)
        forget = self.ports.billing.forget
        subscribers.register(
            self.bus, gateway.views, gateway.account_changes, forget, gateway.announcer
        )
        await self.bus.start()
        await self.rate_limits.open()

    async def stop(self) -> None:
        await self.bus.stop()
        await self.ports.webhook_sender.close()
        await self.mongo.close()


def create_app(settings: Settings | None = None, *, ports: Ports | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(SERVICE, settings.log_level, settings.aitrain_instance)
    real = _Real(settings) if ports is None else None
    stripe = settings.aitrain_payments == "stripe"
    gateway = build(
        real.ports if real else ports,
        session_ttl_s=settings.session_ttl_h * 3600,
        signup_open=settings.aitrain_signup == "open",
        webhook_secret=settings.stripe_webhook_secret if stripe else "",
        quota=Quota(settings.upload_sets_per_day, settings.upload_bytes_per_day),
        public_url=settings.aitrain_public_url,
        retry_schedule=parse_schedule(settings.webhook_retry_schedule_s),
        catalog=settings.catalog(),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if real:
            await real.start(gateway)
        chores = [
            asyncio.create_task(gateway.outbox.run()),  # also sends what a crash left
            asyncio.create_task(forget_expired_answers(gateway)),
            asyncio.create_task(gateway.dispatcher.run()),
            asyncio.create_task(gateway.live.reconcile()),  # live streams missing a note
        ]
        try:
            # Prometheus scrapes a port of its own: the API's port is public
            async with exported(real.bus, settings.metrics_port) if real else nullcontext():
                yield
        finally:
            for chore in chores:
                chore.cancel()
            await asyncio.gather(*chores, return_exceptions=True)
            if real:
                await real.stop()

    app = FastAPI(
        title="aitrain",
        description=DESCRIPTION,
        lifespan=lifespan,
        dependencies=[Depends(strict.refuse_unknown_query)],  # before each route's own
    )
    app.state.gateway, app.state.admin_token = gateway, settings.aitrain_admin_token
    app.state.consent_required = settings.moderation_character_consent
    app.state.catalog = settings.catalog()
    limits.install(app, settings.rate_limit_scale)  # inside the correlation id: 429s carry it
    correlation.install(app)
    images = security_headers.origin_of(settings.s3_public_endpoint or settings.s3_endpoint)
    security_headers.install(app, images)
    errors.install(app)
    for api in ROUTERS:
        app.include_router(api.router)
    dashboard.install(app)

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        """Each dependency probed now: 200 when all answer, 503 naming the ones that do not."""
        body = await health.report(real.checks if real else {})
        return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)

    return app


def asyncapi_app(settings: Settings | None = None) -> FastStream:
    """The gateway's bus side as a FastStream app, for the AsyncAPI document."""
    settings = settings or Settings()
    bus = connect_bus(SERVICE, settings.nats_url, settings.topology())
    gateway = build(fakes.memory_ports())  # never started: the use cases only name handlers
    subscribers.register(bus, gateway.views, gateway.account_changes, announcer=gateway.announcer)
    BusViewChanges(bus).hear(gateway.live.wake)
    return service_app(bus, DESCRIPTION)
