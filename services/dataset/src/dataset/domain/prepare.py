"""Turn a valid set into training data: square PNGs at the training resolution (centred on
the face for characters), no metadata, and a caption with the keyword for each; for a photo
that is not square, also the whole photo at the nearest aspect ratio the API offers."""

import hashlib
from dataclasses import dataclass

from PIL import Image

from contracts.events.common import TrainingType
from contracts.limits import has_keyword
from contracts.sampling import nearest_ratio, output_size
from dataset.domain.validate import Checked

TEMPLATES: dict[str, str] = {
    "character": "a photo of {keyword}",
    "style": "an image in the style of {keyword}",
    "object": "a photo of {keyword}",
}


@dataclass(frozen=True)
class Cut:
    """Where a square was cut from its photo, as SDXL's size conditioning reads it."""

    original_size: tuple[int, int]
    """The photo's (height, width)."""
    crop_top_left: tuple[int, int]
    """(top, left) of the square in the photo scaled so that its short side is the square's."""


def square(checked: Checked, resolution: int) -> tuple[Image.Image, Cut]:
    image = checked.decoded.image
    side = min(image.size)
    left, top = _corner(image, checked.face_centre, side, side)
    crop = image.crop((left, top, left + side, top + side))
    scale = resolution / side
    cut = Cut((image.height, image.width), (round(top * scale), round(left * scale)))
    return crop.resize((resolution, resolution), Image.Resampling.LANCZOS), cut


def framed(checked: Checked, resolution: int) -> Image.Image | None:
    """The whole photo at the aspect ratio the API offers nearest its own (cropped to it,
    centred on the face for characters), at about the square's area; None when that ratio
    is 1:1 (the square already is the photo)."""
    image = checked.decoded.image
    ratio = nearest_ratio(image.width, image.height)
    if ratio == "1:1":
        return None
    width, height = output_size(ratio, "720p", resolution)
    scale = min(image.width / width, image.height / height)
    return _crop(image, checked.face_centre, width * scale, height * scale).resize(
        (width, height), Image.Resampling.LANCZOS
    )


def _crop(image: Image.Image, centre, width: float, height: float) -> Image.Image:
    """A `width` x `height` window around `centre` (the image's centre by default), kept
    inside the image."""
    left, top = _corner(image, centre, width, height)
    return image.crop((left, top, left + int(width), top + int(height)))


def _corner(image: Image.Image, centre, width: float, height: float) -> tuple[int, int]:
    cx, cy = centre or (image.width / 2, image.height / 2)
    left = int(min(max(cx - width / 2, 0), image.width - width))
    top = int(min(max(cy - height / 2, 0), image.height - height))
    return left, top


def caption(training_type: TrainingType, keyword: str, user_caption: str | None) -> str:
    text = (user_caption or "").strip()
    if not text:
        return TEMPLATES[training_type].format(keyword=keyword)
    return text if has_keyword(text, keyword) else f"{keyword}, {text}"


def dataset_hash(items: list[tuple[bytes, str]]) -> str:
    digest = hashlib.sha256()
    for data, text in items:
        digest.update(hashlib.sha256(data).digest())
        digest.update(text.encode())
    return f"sha256:{digest.hexdigest()}"
