"""The procedural world rendered as photos passes the dataset checks as real photos do (the
demo uploads such a set through the public API), while flat renders of the same scenes do
not — so the checks are not simply lenient."""

import io

from aitrain_basemodel import photos, world
from dataset.domain.rules import Rules
from dataset.domain.validate import Upload, check_set


def uploads(images) -> list[Upload]:
    out = []
    for index, image in enumerate(images):
        data = io.BytesIO()
        image.save(data, "JPEG", quality=92)
        out.append(Upload(f"{index}.jpg", f"k{index}", data.getvalue()))
    return out


def codes(report) -> list[str]:
    return [f.code for image in report.images for f in image.findings] + [
        f.code for f in report.findings
    ]


def test_a_photo_like_subject_set_passes_every_check_and_flat_renders_do_not():
    items = photos.subject_set("triangle", "yellow", "zxq")
    assert all("zxq" in caption for _, caption in items)
    report, _ = check_set(uploads(image for image, _ in items), "object", Rules())
    assert codes(report) == []

    flat = [world.render(world.Scene("triangle", "yellow", "blue"), 768) for _ in range(15)]
    report, _ = check_set(uploads(flat), "object", Rules())
    assert {"soft", "duplicate", "low_variety"} <= set(codes(report))
