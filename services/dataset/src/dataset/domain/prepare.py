"""Turn a valid set into training data: square PNGs at the training resolution (centred on
the face for characters), no metadata, and a caption with the keyword for each."""

import hashlib

from PIL import Image

from contracts.events.common import TrainingType
from contracts.limits import has_keyword
from dataset.domain.validate import Checked

TEMPLATES: dict[str, str] = {
    "character": "a photo of {keyword}",
    "style": "an image in the style of {keyword}",
    "object": "a photo of {keyword}",
}


def square(checked: Checked, resolution: int) -> Image.Image:
    image = checked.decoded.image
    side = min(image.size)
    cx, cy = checked.face_centre or (image.width / 2, image.height / 2)
    left = int(min(max(cx - side / 2, 0), image.width - side))
    top = int(min(max(cy - side / 2, 0), image.height - side))
    crop = image.crop((left, top, left + side, top + side))
    return crop.resize((resolution, resolution), Image.Resampling.LANCZOS)


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
