"""Each rule of a good training set, tripped on purpose, with the message a user sees."""

import io

import dataset_images as photos
import numpy as np
import pytest
from PIL import Image

from contracts.images import png_bytes
from dataset.domain import prepare
from dataset.domain.rules import Rules
from dataset.domain.validate import Upload, check_image, check_set, has_errors, summary

RULES = Rules()


def uploads(named: list[tuple[str, bytes]]) -> list[Upload]:
    return [Upload(name, f"raw/{n}", data) for n, (name, data) in enumerate(named)]


def findings_of(data: bytes, kind: str = "character", name: str = "photo.jpg") -> list:
    return check_image(Upload(name, "raw/x", data), kind, RULES).findings


def codes(data: bytes, kind: str = "character") -> set[str]:
    return {f.code for f in findings_of(data, kind)}


def test_a_good_set_of_fifteen_portraits_passes_with_warnings_at_most():
    report, _ = check_set(uploads(photos.portraits(15)), "character", RULES)
    assert not has_errors(report)
    assert report.findings == []


@pytest.mark.parametrize(("count", "code"), [(14, "too_few_images"), (26, "too_many_images")])
def test_the_set_must_hold_15_to_25_images(count, code):
    report, _ = check_set(uploads(photos.portraits(count)), "object", RULES)
    [finding] = [f for f in report.findings if f.code == code]
    assert finding.severity == "error"
    assert finding.message.startswith(f"{count} images uploaded")
    assert summary(report).endswith("(see the report for the rest)") or (
        summary(report) == f"1 problem to fix before training: {finding.message}"
    )


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    [finding] = findings_of(photos.png_bomb(50_000, 50_000))
    assert finding.code == "too_many_pixels"
    assert "2,500,000,000 pixels" in finding.message
    # its memory, measured in a process of its own: test_hostile_files.py


def test_a_truncated_jpeg_is_refused():
    [finding] = findings_of(photos.truncated_jpeg())
    assert finding.code == "truncated"
    assert "upload it again" in finding.message


def test_an_executable_named_png_is_refused_by_its_content():
    [finding] = findings_of(photos.executable(), name="photo.png")
    assert finding.code == "not_an_image"
    assert "JPEG, PNG, WebP or HEIC" in finding.message


def test_a_photo_with_a_file_hidden_after_it_is_refused():
    [finding] = findings_of(photos.with_hidden_zip())
    assert finding.code == "hidden_data"


ZIP = b"PK\x03\x04" + b"payload" * 100


@pytest.mark.parametrize(
    ("polyglot", "code"),
    [
        pytest.param(lambda jpeg: jpeg[:-2] + ZIP, "truncated", id="jpeg-without-end-marker"),
        pytest.param(
            lambda jpeg: jpeg[:20] + b"\x00" + jpeg[20:] + ZIP, "hidden_data", id="jpeg-stray-byte"
        ),
        pytest.param(lambda jpeg: photos.heic() + ZIP, "hidden_data", id="heic"),
    ],
)
def test_a_file_hidden_after_an_odd_image_is_refused_too(polyglot, code):
    data = polyglot(photos.encode(photos.astronaut(800)))
    assert code in codes(data)


def test_a_heic_photo_from_a_phone_is_accepted():
    assert "not_an_image" not in codes(photos.heic())
    assert not any(f.severity == "error" for f in findings_of(photos.heic()))


def test_a_sideways_phone_photo_is_stored_upright_without_exif_or_gps():
    checked = check_image(Upload("IMG_1.jpg", "raw/1", photos.sideways_with_gps()), "object", RULES)
    assert checked.decoded.image.size == (800, 600)  # upright: wider than tall
    square, cut = prepare.square(checked, 512)
    stored = Image.open(io.BytesIO(png_bytes(square)))
    assert not stored.getexif() and "exif" not in stored.info
    expected = photos.astronaut(800).crop((0, 0, 800, 600)).crop((100, 0, 700, 600))
    expected = np.asarray(expected.resize((512, 512)), dtype=float)
    assert np.abs(np.asarray(stored, dtype=float) - expected).mean() < 8
    # where SDXL reads the crop: the upright photo's size, and the square's corner in the
    # photo scaled to a short side of 512 (100 px of 600 from the left: 85 of 512)
    assert (cut.original_size, cut.crop_top_left) == ((600, 800), (0, 85))


def test_small_photos_are_refused_and_mid_sized_ones_warned():
    assert "too_small" in codes(photos.small(500))
    assert "low_resolution" in codes(photos.small(700))
    assert not {"too_small", "low_resolution"} & codes(photos.small(800))


def test_a_blurred_photo_is_refused():
    [finding] = [f for f in findings_of(photos.blurred()) if f.code == "blurry"]
    assert finding.severity == "error"
    assert "in focus" in finding.message


def test_two_people_in_a_character_photo_are_refused_but_fine_for_a_style():
    [finding] = [f for f in findings_of(photos.two_people()) if f.code == "several_people"]
    assert finding.message.startswith("2 faces found")
    assert "several_people" not in codes(photos.two_people(), kind="style")


def test_an_animal_has_no_human_face_and_gets_only_a_warning():
    from skimage import data as skdata

    cat = Image.fromarray(skdata.chelsea()).resize((1200, 800))
    [finding] = [f for f in findings_of(photos.encode(cat)) if f.code == "no_face"]
    assert finding.severity == "warning"


def test_a_near_duplicate_pair_is_refused_naming_both_files():
    named = photos.portraits(15)
    recompressed = Image.open(io.BytesIO(named[3][1])).resize((780, 780))
    named.append(("copy of IMG_1003.jpg", photos.encode(recompressed, quality=70)))
    report, _ = check_set(uploads(named), "character", RULES)
    duplicates = [f for image in report.images for f in image.findings if f.code == "duplicate"]
    assert len(duplicates) == 1
    assert "'copy of IMG_1003.jpg'" in duplicates[0].message
    assert "'IMG_1003.jpg'" in duplicates[0].message


def test_a_set_of_nearly_identical_scenes_gets_a_variety_warning():
    base = photos.astronaut(800)
    same_scene = [
        (f"same{n}.jpg", photos.encode(base.rotate(n * 7, fillcolor=(0, 0, 0)))) for n in range(15)
    ]
    report, _ = check_set(uploads(same_scene), "object", RULES)
    assert [f.code for f in report.findings] == ["low_variety"]


def test_captions_always_hold_the_keyword():
    assert prepare.caption("style", "customvangoghmodel", None) == (
        "an image in the style of customvangoghmodel"
    )
    assert prepare.caption("object", "custommug", "a red mug on a desk") == (
        "custommug, a red mug on a desk"
    )
    assert prepare.caption("object", "custommug", "custommug on a desk") == "custommug on a desk"
