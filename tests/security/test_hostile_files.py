"""Hostile image files cost bounded memory and always get an answer (issue 15, items 1-2).

Each shape is checked in a fresh process whose peak resident memory (VmHWM, reset after the
imports and one ordinary photo) is compared with its resident memory then. Not ru_maxrss:
Linux carries the parent's peak into a child, which would hide any growth. Before the fix a
400000x100 PNG (114 KB) took the dataset service to ~17 GB and a 40000000x1 one crashed it.
"""

import contextlib
import io
import json
import subprocess
import sys

import dataset_images as photos
import pytest
from PIL import Image

from contracts import causation
from contracts.events import DatasetRejected, DatasetUploaded
from contracts.events.common import Finding
from contracts.events.dataset import UploadedImage
from contracts.memory_storage import MemoryObjectStore
from dataset.adapters.memory_records import MemoryDatasetRecords
from dataset.domain.rules import Rules
from dataset.domain.validate import Upload, check_image
from dataset.handlers import DatasetHandlers

BOUND_MB = 300

CHILD = r"""
import json, pathlib, sys
from dataset.domain.rules import Rules
from dataset.domain.validate import Upload, check_image

def status(field):  # kB, from the kernel's view of this process
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])

data = pathlib.Path(sys.argv[1]).read_bytes()
ordinary = pathlib.Path(sys.argv[2]).read_bytes()
check_image(Upload("ordinary.png", "k", ordinary), "character", Rules())  # imports, caches
pathlib.Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from here
before = status("VmRSS")
checked = check_image(Upload("hostile.png", "k", data), "character", Rules())
grown = status("VmHWM") - before
print(json.dumps({"grown_mb": grown / 1024, "codes": [f.code for f in checked.findings]}))
"""


def _png(image: Image.Image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", **options)
    return out.getvalue()


def _frames() -> bytes:
    """An animated PNG of 120 frames (only the first is ever decoded)."""
    first, *rest = [Image.new("RGB", (900, 900), (n, 0, 0)) for n in range(120)]
    return _png(first, save_all=True, append_images=rest)


def _palette() -> bytes:
    """25 megapixels of noise in a 256-colour palette: a big, legitimate decode."""
    noise = Image.effect_noise((5000, 5000), 80)
    return _png(noise.convert("P", palette=Image.Palette.ADAPTIVE))


SHAPES = {
    "bomb": lambda: photos.png_bomb(50_000, 50_000),  # 2.5 gigapixels in a small file
    "wide": lambda: _png(Image.new("1", (400_000, 100))),
    "tall": lambda: _png(Image.new("1", (100, 400_000))),
    "line": lambda: _png(Image.new("1", (40_000_000, 1))),
    "column": lambda: _png(Image.new("1", (1, 40_000_000))),
    "frames": _frames,
    "palette": _palette,
}


@pytest.mark.parametrize(
    ("shape", "refused_as"),
    [
        ("bomb", "too_many_pixels"),
        ("wide", "extreme_shape"),
        ("tall", "extreme_shape"),
        ("line", "extreme_shape"),
        ("column", "extreme_shape"),
        ("frames", None),
        ("palette", None),
    ],
)
def test_each_hostile_shape_stays_within_the_memory_bound(shape, refused_as, tmp_path):
    hostile, ordinary = tmp_path / "hostile.png", tmp_path / "ordinary.png"
    hostile.write_bytes(SHAPES[shape]())
    ordinary.write_bytes(_png(Image.effect_noise((1024, 768), 60).convert("RGB")))
    run = subprocess.run(
        [sys.executable, "-c", CHILD, str(hostile), str(ordinary)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    measured = json.loads(run.stdout)
    print(f"{shape}: +{measured['grown_mb']:.0f} MB, findings {measured['codes']}")
    assert measured["grown_mb"] < BOUND_MB, measured
    if refused_as:
        assert refused_as in measured["codes"]
    else:  # decoded and checked like any photo; the measure does see a real decode
        assert {"extreme_shape", "unreadable", "not_an_image"}.isdisjoint(measured["codes"])
        assert shape != "palette" or measured["grown_mb"] > 20


def test_a_strip_is_refused_saying_how_to_crop_it():
    out = io.BytesIO()
    Image.new("RGB", (4000, 600)).save(out, "PNG")
    [finding] = check_image(Upload("strip.png", "k", out.getvalue()), "object", Rules()).findings
    assert finding.code == "extreme_shape"
    assert finding.message == "4000x600 pixels is a strip, not a photo; crop it to at most 4:1"


def test_whatever_a_library_raises_becomes_an_unreadable_finding(monkeypatch):
    from dataset.domain import validate

    def overflow(*_):
        raise OverflowError("size does not fit in an int")

    monkeypatch.setattr(validate, "decode", overflow)
    checked = check_image(Upload("odd.png", "k", b"..."), "object", Rules())
    assert checked.findings == [
        Finding(
            severity="error",
            code="unreadable",
            message="the image cannot be read (OverflowError); re-export it",
        )
    ]
    assert checked.decoded is None


class Lease:
    def __init__(self, attempt: int):
        self.attempt = attempt

    @contextlib.asynccontextmanager
    async def keep_leased(self):
        yield


class BrokenStore(MemoryObjectStore):
    async def get(self, key: str) -> bytes:
        raise OSError("the disk is on fire")


async def test_a_set_that_cannot_be_checked_is_retried_then_rejected_saying_so():
    published = []

    async def publish(event) -> None:
        published.append(event)

    store = BrokenStore()
    await store.put("raw/00", b"bytes", "image/png")
    handlers = DatasetHandlers(store, MemoryDatasetRecords(), publish, Rules(), max_attempts=5)
    uploaded = DatasetUploaded.new(
        account_id="acct-1", training_id="trn-1", dataset_id="ds-1", training_type="object",
        keyword="zxq", images=[UploadedImage(key="raw/00", name="a.png")],
    )  # fmt: skip
    cause = causation.Cause(uploaded.event_id, uploaded.correlation_id, uploaded.account_id)
    with causation.handling(cause), pytest.raises(OSError):
        await handlers.on_dataset_uploaded(uploaded, Lease(attempt=4))  # redelivered
    assert published == []
    with causation.handling(cause):
        await handlers.on_dataset_uploaded(uploaded, Lease(attempt=5))
    [rejected] = published
    assert isinstance(rejected, DatasetRejected) and rejected.training_id == "trn-1"
    assert rejected.reason.startswith(
        "1 problem to fix before training: the platform could not check your photos (OSError)"
    )
    assert [image.name for image in rejected.report.images] == ["a.png"]
