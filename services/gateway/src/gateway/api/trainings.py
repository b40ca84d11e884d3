"""Training uploads and their status.

POST /v1/trainings streams the images to object storage under server-made keys (a file's
name is only ever shown back, never used as a key), reserves the keyword, records the
training as `validating` and publishes DatasetUploaded. The dataset service's verdict and
everything after it reach the trainings view as events (see gateway.projection).
"""

import asyncio
import hashlib
import re
import uuid
from datetime import UTC
from pathlib import PurePosixPath
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from contracts.events import DatasetUploaded
from contracts.events.common import TrainingOverrides
from contracts.events.dataset import UploadedImage
from gateway import keywords
from gateway.adapters.trainings import KeywordTaken
from gateway.api.auth import Account, Context
from gateway.api.streams import event_stream
from gateway.uploads import MAX_IMAGES, Upload, read_upload

router = APIRouter(prefix="/v1", tags=["trainings"])
TYPES = ("character", "style", "object")
MIN_IMAGES = 15
ENDED = ("completed", "failed", "rejected", "payment_failed")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def display_name(filename: str | None) -> str:
    """What the user called the file, safe to show: no path, no control bytes, ≤ 100 chars."""
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    return _CONTROL.sub("", name)[:100] or "unnamed"


def _split(upload: Upload):
    """(images, captions by image name) — a caption file is `<image name>.txt`."""
    images, captions = [], {}
    for file, _ in upload.files:
        name = display_name(file.filename)
        if name.lower().endswith(".txt"):  # `photo.jpg.txt` or `photo.txt`
            captions[name[:-4]] = file.file.read(4096).decode("utf-8", errors="replace").strip()
        else:
            images.append((name, file))
    return images, captions


def _fingerprint(fields: dict[str, str], upload: Upload) -> str:
    digest = hashlib.sha256(repr(sorted(fields.items())).encode())
    for file, sha in upload.files:
        digest.update(f"{file.filename}:{sha}".encode())
    return digest.hexdigest()


def overrides_of(fields: dict[str, str]) -> TrainingOverrides | None:
    """Optional form fields that change the training preset: rank, learning_rate, steps."""
    given = {}
    for name, kind in (("rank", int), ("learning_rate", float), ("steps", int)):
        if text := fields.get(name):
            try:
                given[name] = kind(text)
            except ValueError:
                raise HTTPException(422, f"{name} must be a number; got {text!r}") from None
    if not given:
        return None
    try:
        return TrainingOverrides(**given)
    except ValidationError as exc:
        problem = exc.errors()[0]
        raise HTTPException(422, f"{problem['loc'][0]}: {problem['msg']}") from None


def view(record: dict, ctx: Context) -> dict:
    sample = record.get("sample_image_key")
    return {
        "training_id": record["_id"],
        "status": record["status"],
        "type": record["type"],
        "keyword": record["keyword"],
        "model_id": record.get("model_id"),
        "reason": record.get("reason"),
        "warnings": record.get("warnings", []),
        "overrides": record.get("overrides"),
        "progress": record.get("progress"),
        "sample_url": ctx.signer.url(sample) if sample else None,
        "model_deleted": bool(record.get("model_deleted")),
        "report": record.get("report"),
        "created_at": record["created_at"].replace(tzinfo=UTC).isoformat(),
    }


@router.post("/trainings", status_code=202)
async def create_training(
    request: Request,
    who: Account,
    ctx: Context,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
):
    """Upload 15-25 images of one subject with a type and a unique keyword."""
    upload = await read_upload(request)
    correlation_id = request.state.correlation_id
    try:
        return await _create(upload, who.account_id, ctx, idempotency_key, correlation_id)
    finally:
        upload.close()


async def _create(upload: Upload, account_id: str, ctx: Context, idempotency_key, correlation_id):
    fields = {k: v.strip() for k, v in upload.fields.items()}
    fingerprint = _fingerprint(fields, upload)
    if idempotency_key and (seen := await ctx.trainings.remembered(account_id, idempotency_key)):
        if seen["fingerprint"] != fingerprint:
            raise HTTPException(422, "this Idempotency-Key was used for a different request")
        return JSONResponse(seen["response"], status_code=202)
    training_type, keyword = fields.get("type", ""), fields.get("keyword", "")
    if training_type not in TYPES:
        raise HTTPException(422, f"type must be one of {', '.join(TYPES)}; got {training_type!r}")
    warnings = keywords.check(keyword)
    overrides = overrides_of(fields)
    images, captions = _split(upload)
    if not MIN_IMAGES <= len(images) <= MAX_IMAGES:
        raise HTTPException(
            422, f"{len(images)} images sent; upload {MIN_IMAGES} to {MAX_IMAGES} (more is better)"
        )
    training_id, dataset_id = f"trn_{uuid.uuid4().hex[:16]}", f"ds_{uuid.uuid4().hex[:16]}"
    try:
        await ctx.trainings.reserve_keyword(account_id, keyword, training_id)
    except KeywordTaken:
        raise HTTPException(
            409, f"you already have a training or model with the keyword {keyword!r}; pick another"
        ) from None
    try:
        stored = await _store(images, captions, f"accounts/{account_id}/datasets/{dataset_id}", ctx)
    except BaseException:
        await ctx.trainings.release_keyword(account_id, keyword, training_id)
        raise
    record = {
        "_id": training_id,
        "account_id": account_id,
        "dataset_id": dataset_id,
        "type": training_type,
        "keyword": keyword,
        "status": "validating",
        "warnings": warnings,
        "overrides": overrides.model_dump(exclude_none=True) if overrides else None,
    }
    await ctx.trainings.create(record)
    uploaded = DatasetUploaded.new(
        account_id=account_id,
        correlation_id=correlation_id,
        training_id=training_id,
        dataset_id=dataset_id,
        training_type=training_type,
        keyword=keyword,
        images=stored,
        overrides=overrides,
    )
    try:
        await ctx.bus.publish(uploaded)
    except Exception as exc:  # the bus is away: say so, never leave it 'validating'
        reason = "the platform could not start checking your images; nothing was charged, try again"
        await ctx.trainings.update(training_id, {"status": "failed", "reason": reason})
        await ctx.trainings.release_keyword(account_id, keyword, training_id)
        raise HTTPException(503, reason) from exc
    response = {"training_id": training_id, "status": "validating", "warnings": warnings}
    if idempotency_key:
        await ctx.trainings.remember(account_id, idempotency_key, fingerprint, response)
    return JSONResponse(response, status_code=202)


async def _store(images, captions: dict[str, str], folder: str, ctx: Context) -> list:
    stored = []
    for name, file in images:
        key = f"{folder}/raw/{uuid.uuid4().hex}"  # never from the client's file name
        file.file.seek(0)
        await asyncio.to_thread(ctx.storage.put_stream, key, file.file, file.size)
        caption = captions.get(name) or captions.get(PurePosixPath(name).stem)
        stored.append(UploadedImage(key=key, name=name, caption=caption))
    return stored


@router.get("/trainings/{training_id}")
async def get_training(training_id: str, who: Account, ctx: Context) -> dict:
    record = await ctx.trainings.get(who.account_id, training_id)
    if record is None:
        raise HTTPException(404, f"no training {training_id}")
    return view(record, ctx)


@router.get("/trainings/{training_id}/events")
async def follow_training(training_id: str, request: Request, who: Account, ctx: Context):
    """Server-sent events: the training's view (status, progress, report) each time it
    changes, until it ends (completed, failed, rejected or payment_failed)."""
    if await ctx.trainings.get(who.account_id, training_id) is None:
        raise HTTPException(404, f"no training {training_id}")
    return event_stream(
        request,
        lambda: ctx.trainings.get(who.account_id, training_id),
        lambda record: view(record, ctx),
        lambda record: record["status"] in ENDED,
    )


@router.get("/trainings")
async def list_trainings(
    who: Account, ctx: Context, limit: Annotated[int, Query(ge=1, le=100)] = 50
) -> list[dict]:
    return [view(record, ctx) for record in await ctx.trainings.list(who.account_id, limit)]
