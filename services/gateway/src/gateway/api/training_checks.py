"""POST /v1/trainings?dry_run=true: the upload checked and priced, nothing started.

The same form, limits, rate limit and upload quota as a training (the photos are stored
and checked all the same); the answer is the report at once (200) instead of a training
to follow. Never replayed by Idempotency-Key: it changes nothing a retry could double.
"""

from fastapi.responses import JSONResponse

from gateway.api.rendering import report_view
from gateway.api.uploads import Upload
from gateway.app.gateway import Gateway
from gateway.app.training_checks import CheckedSet


def checked_view(checked: CheckedSet, gateway: Gateway) -> dict:
    report = checked.report.model_dump(mode="json")
    findings = report["findings"] + [f for image in report["images"] for f in image["findings"]]
    errors = sum(finding["severity"] == "error" for finding in findings)
    price = checked.price
    return {
        "dry_run": True,
        "check_id": checked.check_id,
        "ready": not errors and checked.keyword_problem is None and price.covered,
        "photos_ok": not errors,
        "report": report_view(report, gateway.ports.links),
        "price": {
            "credits": price.credits,
            "uses_free_training": price.uses_free_training,
            "balance": price.balance,
            "covered": price.covered,
        },
        "keyword": {
            "keyword": checked.keyword,
            "usable": checked.keyword_problem is None,
            "problem": checked.keyword_problem,
            "warnings": checked.warnings,
        },
        "warnings": checked.warnings,
        "photos_deleted_after": checked.photos_deleted_after.isoformat(),
    }


async def dry_run(upload: Upload, account_id: str, announced: int, gateway: Gateway, split):
    """`split`: the upload → (images, captions), as a training reads it."""
    images, captions = split(upload)
    checked = await gateway.check_training(account_id, upload.fields, images, captions)
    # stored like any upload (kept a day), so it counts against the same quota
    await gateway.upload_quota.count(account_id, checked.check_id, announced)
    return JSONResponse(checked_view(checked, gateway), status_code=200)
