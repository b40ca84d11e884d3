"""Training uploads and their status.

POST /v1/trainings streams the images to object storage under server-made keys (a file's
name is only ever shown back), then app/trainings.py does the rest. The dataset service's
verdict and everything after it reach the view as events (app/views.py).
"""

import hashlib
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from contracts import limits
from gateway.api import strict, training_checks
from gateway.api.auth import Account, Use
from gateway.api.errors import RESPONSES, Problem
from gateway.api.idempotency import HEADER, fingerprint, idempotent
from gateway.api.rendering import bases_view, training_view
from gateway.api.streams import QueuePlaces, event_stream, owned
from gateway.api.uploads import Upload, read_upload
from gateway.app.trainings import UploadedFile
from gateway.domain import cancelling, keywords
from gateway.domain.errors import Invalid
from gateway.domain.training_form import display_name, is_caption

router = APIRouter(prefix="/v1", tags=["trainings"], responses=RESPONSES)
NOUN = "training"
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic", "image/heif")
"""What the dataset service reads (it sniffs the bytes; browsers report these types)."""


def _split(upload: Upload) -> tuple[list[UploadedFile], dict[str, str]]:
    """(images, captions by image name)."""
    images, captions = [], {}
    for file, _ in upload.files:
        name = display_name(file.filename)
        if is_caption(name):
            captions[name[:-4]] = file.file.read(4096).decode("utf-8", errors="replace").strip()
        else:
            images.append(UploadedFile(name, file.file, file.size))
    return images, captions


def _content(upload: Upload) -> str:
    digest = hashlib.sha256(repr(sorted(upload.fields.items())).encode())
    for file, sha in upload.files:
        digest.update(f"{file.filename}:{sha}".encode())
    return digest.hexdigest()


# the upload is read as a stream (api/uploads.py), so its form is described here by hand
UPLOAD_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["images"],
                    "properties": {
                        "type": {
                            "type": "string",
                            "enum": list(limits.TRAINING_TYPES),
                            "description": "required, unless version_of names the model",
                        },
                        "keyword": {
                            "type": "string",
                            "pattern": "^[a-z0-9]{3,40}$",
                            "description": "required, unless version_of names the model",
                        },
                        "version_of": {
                            "type": "string",
                            "description": "retrain one of your models: the training makes its "
                            "next version, with its type and keyword (earlier versions are kept)",
                        },
                        "images": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "15-25 images, and optional caption files "
                            "named <image name>.txt",
                        },
                        "base": {
                            "type": "string",
                            "description": "the base model to train on, one of "
                            "GET /v1/training-options `bases` (default: the first); a new "
                            "version keeps its model's",
                        },
                        "consent": {"type": "boolean", "description": "see consent_required"},
                        "rank": {"type": "integer", "enum": [4, 8, 16, 32, 64]},
                        "learning_rate": {"type": "number", "minimum": 1e-6, "maximum": 1e-2},
                        "steps": {"type": "integer", "minimum": 50, "maximum": 3000},
                    },
                }
            }
        },
    }
}

FORM_FIELDS = frozenset(
    UPLOAD_FORM["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
) - {"images"}  # the files

UPLOAD_REFUSALS: dict[int | str, dict] = {
    200: {"description": "dry_run=true: the photo report and the price; nothing started"},
    415: {"model": Problem, "description": "not multipart/form-data"},
}
DRY_RUN = (
    "check before paying: answer the photo report, the price and whether the keyword is "
    "free, at once (200); nothing is charged or reserved, the photos are deleted after a day"
)


@router.post("/trainings", status_code=202, openapi_extra=UPLOAD_FORM, responses=UPLOAD_REFUSALS)
async def create_training(
    request: Request,
    who: Account,
    gateway: Use,
    dry_run: Annotated[bool, Query(description=DRY_RUN)] = False,
):
    """Upload 15-25 images of one subject with a type and a unique keyword; or, to retrain a
    model (new photos, other settings), name it in `version_of`: its next version keeps its
    keyword and the earlier versions stay until deleted."""
    announced = int(request.headers.get("content-length") or 0)
    keyed = bool(request.headers.get(HEADER)) and not dry_run
    if not keyed:  # refused before a byte is read
        await gateway.upload_quota.check(who.account_id, announced)
        if not dry_run:
            await gateway.training_queue.admit(who.account_id)
    upload = await read_upload(request)
    if errors := strict.unknown(upload.fields, FORM_FIELDS, "form", strict.query_names(request)):
        upload.close()
        raise RequestValidationError(errors)  # before anything is charged or reserved
    if dry_run:
        try:
            return await training_checks.dry_run(upload, who.account_id, announced, gateway, _split)
        finally:
            upload.close()

    async def run(request_id: str) -> JSONResponse:
        if keyed:  # checked here, so that a retry is answered as before, never refused
            await gateway.upload_quota.check(who.account_id, announced)
            await gateway.training_queue.admit(who.account_id)
        images, captions = _split(upload)
        started = await gateway.start_training(
            who.account_id, request_id, upload.fields, images, captions
        )
        size = sum(image.size or 0 for image in images)
        await gateway.upload_quota.count(who.account_id, started.training_id, size)
        body = {"training_id": started.training_id, "status": started.status}
        return JSONResponse(body | {"warnings": started.warnings}, status_code=202)

    try:
        content = fingerprint(request, _content(upload))
        return await idempotent(request, gateway, who.scope, content, run)
    finally:
        upload.close()


@router.get("/trainings/{training_id}")
async def get_training(training_id: str, who: Account, gateway: Use) -> dict:
    """The training; while it waits for a trainer, `queue` `{place, ahead, starts_in_s,
    done_in_s}` (the estimates from measured job times; null before any was measured)."""
    training = await owned(gateway.ports.trainings, who.account_id, training_id, NOUN)
    queue = await gateway.training_queue.place(training)
    return training_view(training, gateway.ports.links, queue)


@router.post("/trainings/{training_id}/cancel", status_code=202)
async def cancel_training(training_id: str, who: Account, gateway: Use) -> dict:
    """Stop a training. Before it starts: everything back (the free training too). While it
    trains: the trainer stops at its next step and the unrun share of the steps comes back
    in whole credits (`cancel.refund_now` of the training says about how much now); a free
    training that has started is used. Answers the training (`cancelling`, then
    `cancelled`); asking again answers the same; 409 once it completed or failed."""
    training = await gateway.cancel_training(who.account_id, training_id)
    return training_view(training, gateway.ports.links)


@router.get("/trainings/{training_id}/events")
async def follow_training(training_id: str, request: Request, who: Account, gateway: Use):
    """Server-sent events: the training's view (status, progress, report) each time it
    changes, and while it waits each time its place in the queue does, until it ends
    (completed, failed, rejected, payment_failed or cancelled; a cancelled one once its
    refund, when one is owed, has come: `refund_pending`)."""
    places = QueuePlaces(gateway.ports.trainings, who.account_id, gateway.training_queue.place)
    await owned(gateway.ports.trainings, who.account_id, training_id, NOUN)

    def render(training) -> dict:
        return training_view(training, gateway.ports.links, places.last)

    return await event_stream(
        request,
        gateway.live,
        training_id,
        gateway.ports.trainings,
        partial(places.fetch, training_id),
        render,
        who.account_id,
        version=places.version,
        ended=cancelling.settled,
        every_s=places.every_s,
    )


@router.get("/trainings")
async def list_trainings(
    who: Account, gateway: Use, limit: Annotated[int, Query(ge=1, le=100)] = 50
) -> list[dict]:
    trainings = await gateway.ports.trainings.list(who.account_id, limit)
    places = [await gateway.training_queue.place(training) for training in trainings]
    return [
        training_view(training, gateway.ports.links, queue)
        for training, queue in zip(trainings, places, strict=True)
    ]


@router.get("/training-options")
async def training_options(request: Request, who: Account) -> dict:
    """What a training upload takes, for forms that check before sending. `consent_required`:
    character trainings need `consent=true` (the content policy); `bases`: the base models
    a training may name in `base` (the first is the default)."""
    return {
        "consent_required": request.app.state.consent_required,
        "bases": bases_view(request.app.state.catalog),
        "types": list(limits.TRAINING_TYPES),
        "min_images": limits.MIN_IMAGES,
        "max_images": limits.MAX_IMAGES,
        "max_image_bytes": limits.MAX_IMAGE_BYTES,
        "image_types": list(IMAGE_TYPES),
    }


@router.get("/keywords/{keyword}")
async def check_keyword(keyword: str, who: Account, gateway: Use) -> dict:
    """Whether a new training may use this keyword: `problem` says why not, `warnings` what
    could go better (a common word). For the training form's live check."""
    try:
        warnings, problem = keywords.check(keyword), None
    except Invalid as refused:
        warnings, problem = [], str(refused)
    if problem is None and await gateway.ports.keywords.holder(who.account_id, keyword):
        problem = f"you already have a training or model with the keyword {keyword!r}"
    return {"keyword": keyword, "usable": problem is None, "problem": problem, "warnings": warnings}
