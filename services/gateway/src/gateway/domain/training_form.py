"""The fields of a training upload, checked: type, keyword, preset overrides, image count,
and file names made safe to show."""

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from pydantic import ValidationError

from contracts.bases import DEFAULT_NAME, Catalog
from contracts.events.common import TrainingOverrides
from contracts.limits import MAX_IMAGES, MIN_IMAGES, TRAINING_TYPES
from gateway.domain import keywords
from gateway.domain.bases import base_of
from gateway.domain.errors import Invalid

# C0 and C1 controls, and the bidirectional overrides and isolates that make "gpj.exe" read
# as "exe.jpg" (U+202A-202E, U+2066-2069), plus zero-width and BOM characters
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


@dataclass(frozen=True)
class TrainingForm:
    type: str
    keyword: str
    overrides: TrainingOverrides | None
    warnings: list[str]
    consent: bool = False
    """The uploader says they are the person in the photos or have their consent."""
    base: str = DEFAULT_NAME
    """The base model to train on, by its catalog name (contracts.bases)."""


def read_form(fields: dict[str, str], catalog: Catalog) -> TrainingForm:
    fields = {name: value.strip() for name, value in fields.items()}
    training_type, keyword = fields.get("type", ""), fields.get("keyword", "")
    if training_type not in TRAINING_TYPES:
        raise Invalid(f"type must be one of {', '.join(TRAINING_TYPES)}; got {training_type!r}")
    warnings = keywords.check(keyword)
    consent = fields.get("consent", "").lower() in ("true", "yes", "1", "on")
    base = base_of(fields.get("base") or None, catalog)
    return TrainingForm(training_type, keyword, overrides_of(fields), warnings, consent, base)


def overrides_of(fields: dict[str, str]) -> TrainingOverrides | None:
    """Optional form fields that change the training preset: rank, learning_rate, steps."""
    given = {}
    for name, kind in (("rank", int), ("learning_rate", float), ("steps", int)):
        if text := fields.get(name):
            try:
                given[name] = kind(text)
            except ValueError:
                raise Invalid(f"{name} must be a number; got {text!r}") from None
    if not given:
        return None
    try:
        return TrainingOverrides(**given)
    except ValidationError as exc:
        problem = exc.errors()[0]
        raise Invalid(f"{problem['loc'][0]}: {problem['msg']}") from None


def check_count(images: int) -> None:
    if not MIN_IMAGES <= images <= MAX_IMAGES:
        raise Invalid(f"{images} images sent; upload {MIN_IMAGES} to {MAX_IMAGES} (more is better)")


def display_name(filename: str | None) -> str:
    """What the user called the file, safe to show: no path, no control bytes, ≤ 100 chars."""
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    return _CONTROL.sub("", name)[:100] or "unnamed"


def is_caption(name: str) -> bool:
    """A caption file is `<image name>.txt` (`photo.jpg.txt` or `photo.txt`)."""
    return name.lower().endswith(".txt")


def caption_for(image_name: str, captions: dict[str, str]) -> str | None:
    return captions.get(image_name) or captions.get(PurePosixPath(image_name).stem)
