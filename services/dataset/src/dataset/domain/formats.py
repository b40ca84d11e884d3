"""Recognise an image by its bytes (never by name or declared type) and find hidden data.

Only JPEG, PNG, WebP and HEIC/HEIF are accepted. A file with bytes after the end of its
image (a zip or a script appended to a JPEG, say) is refused as a possible polyglot.
"""

HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif"}
TRAILING_SLACK = 16  # some encoders pad a few bytes; more than this is something else


def sniff(data: bytes) -> str | None:
    """'jpeg', 'png', 'webp', 'heif' or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return "heif"
    return None


def trailing_bytes(data: bytes, kind: str) -> int:
    """How many bytes follow the end of the image itself (0 when none or unknown)."""
    end = {"jpeg": _jpeg_end, "png": _png_end, "webp": _webp_end}.get(kind, lambda _: None)(data)
    return 0 if end is None else max(0, len(data) - end)


def _jpeg_end(data: bytes) -> int | None:
    """Offset just past the EOI marker, walking segments (an EXIF thumbnail has its own)."""
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xD9:
            return i + 2
        if marker == 0xFF or marker == 0x01 or 0xD0 <= marker <= 0xD8:
            i += 1 if marker == 0xFF else 2
            continue
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
        if marker == 0xDA:  # scan data: runs to the next marker that is not stuffing or RSTn
            while i + 1 < len(data) and not (
                data[i] == 0xFF and data[i + 1] not in (0x00, *range(0xD0, 0xD8))
            ):
                i += 1
    return None


def _png_end(data: bytes) -> int | None:
    i = 8
    while i + 12 <= len(data):
        length = int.from_bytes(data[i : i + 4], "big")
        if data[i + 4 : i + 8] == b"IEND":
            return i + 12
        i += 12 + length
    return None


def _webp_end(data: bytes) -> int:
    return 8 + int.from_bytes(data[4:8], "little")
