"""structlog set-up: JSON lines outside a terminal, readable colours in one.

Correlation and causation ids are bound as contextvars while an event is handled
(`contracts.causation.handling`), so every line logged during it names them.
"""

import logging
import sys

import structlog


def configure_logging(service: str, level: str = "INFO", instance: str = "") -> None:
    renderer = (
        structlog.dev.ConsoleRenderer()
        if sys.stderr.isatty()
        else structlog.processors.JSONRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    if instance:  # one of several processes of the service: say which
        structlog.contextvars.bind_contextvars(instance=instance)
