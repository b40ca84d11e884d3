"""A check before paying: the very per-image and set check of a training's upload, answered
to the gateway's query instead of announced. Nothing is prepared, charged or published.

The uploads are noted for deletion before they are read, so a check that fails half-way
leaves nothing behind: the retention sweeper (handlers.delete_due_originals) removes them
after `Retention.keep_dry_run_s`.
"""

import time
from datetime import UTC, datetime

import structlog

from contracts.queries.dataset import CheckAnswer, CheckQuery
from dataset.domain.validate import conclude, has_errors
from dataset.handlers import DatasetHandlers

log = structlog.get_logger(__name__)


class DryRuns:
    def __init__(self, handlers: DatasetHandlers):
        self.handlers = handlers

    async def check(self, query: CheckQuery) -> CheckAnswer:
        """Check a set without starting a training: the report, and when the uploads go."""
        started = time.monotonic()
        due = time.time() + self.handlers.retention.keep_dry_run_s
        record = {
            "account_id": query.account_id,
            "training_id": None,
            "status": "dry_run",
            "report": None,
            "processed_keys": [],
            "originals": [image.key for image in query.images],
            "originals_due_at": due,
            "originals_deleted_at": None,
        }
        await self.handlers.records.save(query.check_id, record)
        checked = [
            await self.handlers.fetch_and_check(image, query.training_type)
            for image in query.images
        ]
        report = conclude(checked, self.handlers.rules)
        record["report"] = report.model_dump(mode="json")
        await self.handlers.records.save(query.check_id, record)
        log.info(
            "dataset.dry_run",
            check_id=query.check_id,
            images=len(query.images),
            ok=not has_errors(report),
            seconds=round(time.monotonic() - started, 2),
        )
        return CheckAnswer(report=report, originals_deleted_after=datetime.fromtimestamp(due, UTC))
