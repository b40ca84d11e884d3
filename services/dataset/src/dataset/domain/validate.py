"""The whole verdict on an upload: every image checked, then the set as a whole."""

from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING

import numpy as np

from contracts.events.common import DatasetReport, Finding, ImageReport, TrainingType
from dataset.domain import quality
from dataset.domain.decode import Decoded, decode
from dataset.domain.rules import Rules

if TYPE_CHECKING:  # prepare reads Checked
    from dataset.domain.prepare import Cut


@dataclass(frozen=True)
class Upload:
    name: str
    key: str
    data: bytes
    caption: str | None = None


@dataclass
class Checked:
    upload: Upload
    decoded: Decoded | None = None
    findings: list[Finding] = field(default_factory=list)
    face_centre: tuple[float, float] | None = None
    """Centre of the one face (character sets), in the upright image's pixels."""
    hash: int | None = None
    signature: np.ndarray | None = None
    processed: bytes | None = None
    """The training PNG, once made (the full-size pixels are dropped then)."""
    cut: "Cut | None" = None
    """Where the training PNG was cut from the photo."""
    framed: bytes | None = None
    """The photo at its own aspect ratio as a PNG (prepare.framed), when it is not square."""


def check_image(upload: Upload, training_type: TrainingType, rules: Rules) -> Checked:
    """Every finding about one upload. Whatever a hostile file makes a library raise, the
    answer is a finding (never a crash that would leave the set without a verdict)."""
    try:
        return _check_image(upload, training_type, rules)
    except Exception as exc:  # noqa: BLE001 — reported to the user as a finding
        message = f"the image cannot be read ({type(exc).__name__}); re-export it"
        return Checked(
            upload, findings=[Finding(severity="error", code="unreadable", message=message)]
        )


def _check_image(upload: Upload, training_type: TrainingType, rules: Rules) -> Checked:
    decoded = decode(upload.data, rules)
    if not isinstance(decoded, Decoded):
        return Checked(upload, findings=[decoded])
    image = decoded.image
    checked = Checked(upload, decoded, quality.resolution(image, rules))
    if any(f.severity == "error" for f in checked.findings):
        checked.decoded = None  # refused: nothing more to learn from it, nothing to prepare
        return checked
    pixels = quality.gray(image)
    checked.findings += quality.blur(pixels, rules)
    if training_type == "character":
        boxes = quality.faces(pixels)
        checked.findings += quality.character_faces(boxes, pixels.shape[1], rules)
        if len(boxes) == 1:
            x, y, w, h = boxes[0]
            scale = min(image.size) / quality.ANALYSIS_SIDE
            checked.face_centre = ((x + w / 2) * scale, (y + h / 2) * scale)
    checked.hash = quality.dhash(image)
    checked.signature = quality.colour_signature(image)
    return checked


def check_set(
    uploads: list[Upload], training_type: TrainingType, rules: Rules
) -> tuple[DatasetReport, list[Checked]]:
    checked = [check_image(upload, training_type, rules) for upload in uploads]
    return conclude(checked, rules), checked


def conclude(checked: list[Checked], rules: Rules) -> DatasetReport:
    """The set-level checks (count, duplicates, variety) over images already checked."""
    _mark_duplicates(checked, rules)
    return DatasetReport(
        images=[
            ImageReport(name=c.upload.name, key=c.upload.key, findings=c.findings) for c in checked
        ],
        findings=_count(len(checked), rules) + _variety(checked, rules),
    )


def has_errors(report: DatasetReport) -> bool:
    findings = report.findings + [f for image in report.images for f in image.findings]
    return any(f.severity == "error" for f in findings)


def summary(report: DatasetReport) -> str:
    errors = [f for f in report.findings if f.severity == "error"]
    errors += [f for image in report.images for f in image.findings if f.severity == "error"]
    problems = "problem" if len(errors) == 1 else "problems"
    return f"{len(errors)} {problems} to fix before training: {errors[0].message}" + (
        " (see the report for the rest)" if len(errors) > 1 else ""
    )


def _count(n: int, rules: Rules) -> list[Finding]:
    if n < rules.min_images:
        message = f"{n} images uploaded; upload at least {rules.min_images} (more is better)"
        return [Finding(severity="error", code="too_few_images", message=message)]
    if n > rules.max_images:
        message = f"{n} images uploaded; at most {rules.max_images} are used — remove some"
        return [Finding(severity="error", code="too_many_images", message=message)]
    return []


def _mark_duplicates(checked: list[Checked], rules: Rules) -> None:
    hashed = [c for c in checked if c.hash is not None]
    for first, second in combinations(hashed, 2):
        if (first.hash ^ second.hash).bit_count() <= rules.duplicate_distance:
            second.findings.append(
                Finding(
                    severity="error",
                    code="duplicate",
                    message=f"'{second.upload.name}' is nearly the same photo as "
                    f"'{first.upload.name}'; keep one of them and add a different photo",
                )
            )


def _variety(checked: list[Checked], rules: Rules) -> list[Finding]:
    signatures = [c.signature for c in checked if c.signature is not None]
    pairs = list(combinations(signatures, 2))
    if len(pairs) < 3:
        return []
    alike = sum(np.abs(a - b).sum() < 0.5 for a, b in pairs) / len(pairs)
    if alike <= rules.low_variety:
        return []
    message = (
        "most photos look alike in background and lighting; vary places, light and "
        "backgrounds so the model learns the subject, not the scene"
    )
    return [Finding(severity="warning", code="low_variety", message=message)]
