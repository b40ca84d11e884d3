"""Images as the platform stores them: PNG, written the same way by every service."""

import io

from PIL import Image


def png_bytes(image: Image.Image) -> bytes:
    """PNG bytes of `image`, with no metadata of its own (no EXIF, GPS or text chunks)."""
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()
