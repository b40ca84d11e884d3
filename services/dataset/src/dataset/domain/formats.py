"""Recognise an image by its bytes (never by name or declared type) and find hidden data.

Only JPEG, PNG, WebP and HEIC/HEIF are accepted. A file with bytes after the end of its
image (a zip or a script appended to a JPEG or a HEIC, say) is refused as a possible
polyglot.
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


def unfinished(data: bytes, kind: str) -> bool:
    """A JPEG whose data runs to the end of the file without its end marker: cut short, or
    with a file appended that its scan data swallowed (libjpeg may still decode it)."""
    return kind == "jpeg" and _jpeg_end(data) is None


def trailing_bytes(data: bytes, kind: str) -> int:
    """How many bytes follow the end of the image itself (0 when none or unknown)."""
    ends = {"jpeg": _jpeg_end, "png": _png_end, "webp": _webp_end, "heif": _heif_end}
    end = ends.get(kind, lambda _: None)(data)
    return 0 if end is None else max(0, len(data) - end)


def _jpeg_end(data: bytes) -> int | None:
    """Offset just past the EOI marker, walking segments (an EXIF thumbnail has its own).
    Where the walk cannot go on (a byte that is no marker), the image ends there as far as
    anyone can tell: what follows counts as trailing, so a stray byte cannot hide an
    appended file. None: the data ran out before an end marker (see `unfinished`)."""
    i = 2
    while i + 2 <= len(data):
        if data[i] != 0xFF:
            return i
        marker = data[i + 1]
        if marker == 0xD9:
            return i + 2
        if marker == 0xFF or marker == 0x01 or 0xD0 <= marker <= 0xD8:
            i += 1 if marker == 0xFF else 2
            continue
        if i + 4 > len(data):
            return None
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


def _heif_end(data: bytes) -> int:
    """Past the last top-level ISO-BMFF box (ftyp, meta, mdat, ...). A "box" whose type is
    not four printable characters is not one, and neither is one running past the end of the
    file: the image ended before it."""
    i = 0
    while i + 8 <= len(data):
        size, kind = int.from_bytes(data[i : i + 4], "big"), data[i + 4 : i + 8]
        if not all(0x20 <= byte < 0x7F for byte in kind):
            return i
        if size == 1 and i + 16 <= len(data):
            size = int.from_bytes(data[i + 8 : i + 16], "big")
        elif size == 0:  # to the end of the file
            return len(data)
        if size < 8 or i + size > len(data):
            return i
        i += size
    return i
