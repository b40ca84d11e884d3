"""How records look in API answers: the same JSON as always, links presigned on the way."""

from datetime import UTC, datetime

from contracts.bases import Catalog
from gateway.domain import cancelling
from gateway.domain.records import Generation, Model, Training
from gateway.ports import Links


def iso(at: float | None) -> str | None:
    """An epoch time as the API writes every time: ISO 8601, UTC."""
    return None if at is None else datetime.fromtimestamp(at, UTC).isoformat()


def _link(links: Links, key: str | None) -> str | None:
    return links.url(key) if key else None


def bases_view(catalog: Catalog) -> list[dict]:
    """The base models served, the default first (never where their weights are), each
    with its price per training where it has its own (null: the account's
    `training_credits`)."""
    return [
        {"name": b.name, "label": b.shown_as, "family": b.family, "resolution": b.resolution,
         "training_credits": b.training_credits}
        for b in catalog.bases
    ]  # fmt: skip


def report_view(report: dict | None, links: Links) -> dict | None:
    """The dataset report, each photo with a link to the upload it is about."""
    if not report:
        return report
    images = [image | {"url": _link(links, image.get("key"))} for image in report["images"]]
    return report | {"images": images}


def training_view(training: Training, links: Links, queue: dict | None = None) -> dict:
    """`queue`: its place in the trainers' queue while it waits (app/training_queue.py)."""
    return {
        "training_id": training.training_id,
        "status": cancelling.shown_status(training),
        "type": training.type,
        "keyword": training.keyword,
        "model_id": training.model_id,
        "reason": training.reason,
        "warnings": training.warnings,
        "overrides": training.overrides,
        "progress": training.progress,
        "sample_url": _link(links, training.sample_image_key),
        "model_deleted": training.model_deleted,
        "version_of": training.version_of,
        "base": training.base,
        "report": report_view(training.report, links),
        "created_at": training.created_at.isoformat(),
        "paid_with_free_training": training.paid_with_free_training,
        "credits_charged": training.credits_charged,
        "refund": _refund(training),
        "refund_pending": cancelling.refund_pending(training),
        "cancel": cancelling.cancel_offer(training),
        "queue": queue,
    }


def _refund(training: Training) -> dict | None:
    if not training.refunded:
        return None
    return {
        "credits": training.credits_refunded,
        "free_training_restored": training.free_training_restored,
    }


def model_view(versions: list[Model], links: Links) -> dict:
    """A model with its live versions (oldest first); the top fields are its latest's."""
    latest = versions[-1]
    return {
        "model_id": latest.family,
        "keyword": latest.keyword,
        "type": latest.type,
        "version": latest.version,
        "base": latest.base,
        "training_id": latest.training_id,
        "created_at": latest.created_at.isoformat(),
        "thumbnail_url": _link(links, latest.thumbnail_key),
        "quality": _quality(latest.quality),
        "versions": [_version_view(model, links) for model in versions],
    }


def _version_view(model: Model, links: Links) -> dict:
    return {
        "version": model.version,
        "model_id": model.model_id,
        "training_id": model.training_id,
        "created_at": model.created_at.isoformat(),
        "thumbnail_url": _link(links, model.thumbnail_key),
        "quality": _quality(model.quality),
    }


def _quality(quality: dict | None) -> dict | None:
    """The trainer's report without its per-checkpoint detail."""
    if quality is None:
        return None
    return {k: quality[k] for k in ("learned", "learned_verdict", "drift", "drift_verdict")}


def _file_name(generation: Generation, index: int, image: dict) -> str:
    return f"aitrain-{generation.generation_id}-{index + 1}-seed{image['seed']}.png"


def generation_view(generation: Generation, links: Links) -> dict:
    images = [
        {
            "url": links.url(image["key"]),
            "download_url": links.url(image["key"], _file_name(generation, index, image)),
            "width": image["width"],
            "height": image["height"],
            "seed": image["seed"],
        }
        for index, image in enumerate(generation.images)
    ]
    return {
        "generation_id": generation.generation_id,
        "status": str(generation.status),
        "model_id": generation.model_id,
        "models": generation.models
        or [{"model_id": generation.model_id, "keyword": generation.keyword, "weight": 1.0}],
        "prompt": generation.prompt,
        "negative_prompt": generation.negative_prompt,
        "settings": generation.settings,
        "credits": generation.credits_debited,
        "reason": generation.reason,
        "refunded": generation.refunded,
        "credits_refunded": generation.credits_refunded,
        "images": images,
        "withheld": generation.withheld,
        "created_at": generation.created_at.isoformat(),
    }
