"""Open an upload safely: by content, with a pixel budget checked before decoding, and
with the phone's EXIF orientation applied (metadata is dropped on re-encoding later)."""

import io
import re
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageOps

from contracts.events.common import Finding
from dataset.domain import formats
from dataset.domain.rules import Rules

pillow_heif.register_heif_opener()

NOT_AN_IMAGE = (
    "this file is not a JPEG, PNG, WebP or HEIC image (whatever its name says); "
    "export it as one of those"
)


@dataclass(frozen=True)
class Decoded:
    image: Image.Image
    """Upright RGB pixels."""
    kind: str


def error(code: str, message: str) -> Finding:
    return Finding(severity="error", code=code, message=message)


def decode(data: bytes, rules: Rules) -> Decoded | Finding:
    kind = formats.sniff(data)
    if kind is None:
        return error("not_an_image", NOT_AN_IMAGE)
    if formats.unfinished(data, kind):
        return error(
            "truncated",
            "the file ends before its image does (cut off, or something appended to it); "
            "upload it again or re-export it",
        )
    if (extra := formats.trailing_bytes(data, kind)) > formats.TRAILING_SLACK:
        return error(
            "hidden_data",
            f"the file carries {extra} bytes after the end of its image (another file "
            "hidden inside?); re-export the photo from an image editor",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only
            width, height = image.size
            if width * height > rules.max_pixels:
                return error(
                    "too_many_pixels",
                    f"{width}x{height} pixels is more than the {rules.max_pixels:,} allowed; "
                    "scale it down",
                )
            if max(width, height) > rules.max_aspect * min(width, height):
                return error(
                    "extreme_shape",
                    f"{width}x{height} pixels is a strip, not a photo; crop it to at most "
                    f"{rules.max_aspect:g}:1",
                )
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow refuses absurd sizes itself, while reading the header; say how absurd
        found = re.search(r"\((\d+) pixels\)", str(exc))
        pixels = f"{int(found.group(1)):,} pixels" if found else "too many pixels"
        return error(
            "too_many_pixels",
            f"the image has {pixels}, more than the {rules.max_pixels:,} allowed; scale it down",
        )
    except OSError as exc:
        if "truncated" in str(exc):
            return error("truncated", "the file is cut off (incomplete upload?); upload it again")
        return error("unreadable", f"the image cannot be read ({exc}); re-export it")
    except Exception as exc:  # noqa: BLE001 — a hostile file may break a decoder any way
        return error("unreadable", f"the image cannot be read ({type(exc).__name__}); re-export it")
    return Decoded(upright, kind)
