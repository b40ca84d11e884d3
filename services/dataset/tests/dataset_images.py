"""Test photos built from the images scikit-image ships, plus hostile files."""

import io
import struct
import zlib

import numpy as np
import pillow_heif
from PIL import Image, ImageEnhance, ImageFilter, ImageOps
from skimage import data as skdata

pillow_heif.register_heif_opener()


def encode(image: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def astronaut(side: int = 1024) -> Image.Image:
    """A head-and-shoulders portrait of one person."""
    return Image.fromarray(skdata.astronaut()).resize((side, side), Image.Resampling.LANCZOS)


def portraits(count: int) -> list[tuple[str, bytes]]:
    """One person, photographed `count` different ways: crops, zooms, flips, colour shifts."""
    big, rng, photos = astronaut(), np.random.default_rng(0), []
    for i in range(count):
        side = int(1024 * (0.55 + 0.45 * i / max(count - 1, 1)))
        left = int(rng.integers(0, 1024 - side + 1))
        top = min(int(rng.integers(0, max(1, 500 - side // 3))), 1024 - side)
        photo = big.crop((left, top, left + side, top + side)).resize((800, 800))
        if i % 2:
            photo = ImageOps.mirror(photo)
        photo = ImageEnhance.Color(photo).enhance(0.6 + 0.06 * i)
        photo = ImageEnhance.Brightness(photo).enhance(0.8 + 0.03 * i)
        photos.append((f"IMG_{1000 + i}.jpg", encode(photo, quality=92)))
    return photos


def wide() -> bytes:
    """The portrait as a 16:9 photo: the person in the middle of a wider frame."""
    frame = Image.new("RGB", (1422, 800), (90, 110, 140))
    frame.paste(astronaut(800), (311, 0))
    return encode(frame, quality=92)


def two_people() -> bytes:
    double = Image.new("RGB", (1600, 800))
    double.paste(astronaut(800), (0, 0))
    double.paste(ImageOps.mirror(astronaut(800)), (800, 0))
    return encode(double)


def blurred() -> bytes:
    return encode(astronaut(800).filter(ImageFilter.GaussianBlur(12)))


def small(side: int) -> bytes:
    return encode(astronaut(side))


def heic() -> bytes:
    return encode(astronaut(800), "HEIF", quality=90)


def truncated_jpeg() -> bytes:
    whole = encode(astronaut(800))
    return whole[: len(whole) // 2]


def executable() -> bytes:
    """The start of an ELF program, as if someone renamed a binary to photo.png."""
    return b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 64


def with_hidden_zip() -> bytes:
    return encode(astronaut(800)) + b"PK\x03\x04" + b"payload" * 100


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A PNG whose header claims width x height pixels; only a sliver of data follows."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    sliver = zlib.compress(b"\x00" * (width + 1) * 4)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", sliver) + chunk(b"IEND", b"")
    )


def sideways_with_gps() -> bytes:
    """A portrait stored sideways with EXIF orientation 6 (as phones do) and a GPS position."""
    upright = astronaut(800).crop((0, 0, 800, 600))  # landscape: wider than tall
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what the sensor wrote
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    exif.get_ifd(0x8825).update({1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)})
    return encode(stored, exif=exif.tobytes())
