"""Prometheus metrics every service shares, and the small HTTP server that exports them.

Every service (the gateway too: its API port is public) serves /metrics and /healthz on
METRICS_PORT when it is set, so Prometheus and probes reach processes that have no HTTP API.
Names start with `aitrain_`. The bus counts what each consumer settled and what each
service published, and polls its consumers' lag from JetStream (contracts.bus.exported);
`published()` turns the figures of published facts (credits, job times) into metrics, so
each service exports those of the events it states.
"""

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import Counter, Gauge, Histogram, make_wsgi_app

EVENTS = Counter(
    "aitrain_events_total",
    "Events a durable consumer settled, by outcome: handled, retried or dead_lettered.",
    ["consumer", "outcome"],
)
EVENT_SECONDS = Histogram(
    "aitrain_event_handling_seconds",
    "Time a handler took for one event (long jobs included: trainings, generations).",
    ["consumer"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600),
)
PUBLISHED = Counter(
    "aitrain_events_published_total", "Events a service published, by type.", ["event_type"]
)
CONSUMER_PENDING = Gauge(
    "aitrain_consumer_pending",
    "Events a durable consumer has not been given yet (its queue), from JetStream.",
    ["consumer"],
)
CONSUMER_ACK_PENDING = Gauge(
    "aitrain_consumer_ack_pending",
    "Events given to a durable consumer and not yet settled (in progress), from JetStream.",
    ["consumer"],
)
CONSUMER_WAITING = Gauge(
    "aitrain_consumer_waiting_pulls",
    "Pull requests waiting on a durable consumer: processes idle and asking for work (0 with "
    "events pending: nobody is consuming).",
    ["consumer"],
)
CREDITS = Counter(
    "aitrain_credits_total",
    "Credits moved by billing: charged (trainings), debited (images), refunded (both).",
    ["movement"],
)
TRAINING_SECONDS = Histogram(
    "aitrain_training_seconds",
    "Wall time of a completed training job.",
    buckets=(30, 60, 120, 300, 600, 1200, 1800, 3600, 7200),
)
TRAINING_STEPS_PER_S = Histogram(
    "aitrain_training_steps_per_second",
    "Optimiser steps per second of a completed training job.",
    buckets=(0.5, 1, 2, 4, 8, 16, 32),
)
GENERATION_SECONDS = Histogram(
    "aitrain_generation_seconds",
    "Time the inference service took to paint one generation's images.",
    buckets=(0.5, 1, 2, 5, 10, 20, 40, 80),
)
QUEUE_WAIT_SECONDS = Histogram(
    "aitrain_job_queue_wait_seconds",
    "From the charge (the job's event) to a trainer or inference process starting it, on its"
    " first delivery.",
    ["job"],
    buckets=(0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600),
)
ADAPTER_CACHE = Counter(
    "aitrain_adapter_cache_total",
    "Generations whose LoRA was already loaded in the inference process (hit) or not (miss).",
    ["result"],
)
REQUESTS = Counter(
    "aitrain_http_requests_total",
    "Gateway requests by method, route (its template) and status code.",
    ["method", "route", "code"],
)
REQUEST_SECONDS = Histogram(
    "aitrain_http_request_seconds",
    "Gateway request latency by method and route.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
)


# credits an event moves: (event type, its field, the movement)
_CREDIT_FIELDS = (
    ("TrainingCharged", "credits_charged", "charged"),
    ("CreditsDebited", "credits_debited", "debited"),
    ("TrainingRefunded", "credits_refunded", "refunded"),
    ("CreditsRefunded", "credits_refunded", "refunded"),
)


def published(event) -> None:
    """Count a published event and what its facts measure (each service exports the
    figures of the events it states: billing credits, the trainer jobs, inference images)."""
    PUBLISHED.labels(event.event_type).inc()
    for event_type, field, movement in _CREDIT_FIELDS:
        if event.event_type == event_type:
            CREDITS.labels(movement).inc(getattr(event, field))
    if event.event_type == "TrainingCompleted":
        TRAINING_SECONDS.observe(event.metrics.duration_s)
        TRAINING_STEPS_PER_S.observe(event.metrics.steps_per_s)
    elif event.event_type == "ImageGenerated":
        GENERATION_SECONDS.observe(event.duration_s)


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:  # scrapes every few seconds: not worth a log line
        pass


def serve(port: int, healthy: Callable[[], bool], host: str = "0.0.0.0") -> WSGIServer:
    """/metrics and /healthz (200 while `healthy()`, else 503) on a daemon thread."""
    metrics = make_wsgi_app()

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/healthz":
            ok = healthy()
            start_response("200 OK" if ok else "503 Service Unavailable", [])
            return [b"ok" if ok else b"unavailable"]
        return metrics(environ, start_response)

    server = make_server(host, port, app, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server


def job_started(job: str, event, attempt: int) -> None:
    """A trainer or inference process starts a job: how long it waited in the queue (only
    its first delivery: a redelivery's wait includes a failed run)."""
    if attempt == 1:
        waited = (datetime.now(UTC) - event.occurred_at).total_seconds()
        QUEUE_WAIT_SECONDS.labels(job).observe(max(waited, 0.0))
