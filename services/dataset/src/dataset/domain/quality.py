"""Per-image checks on decoded pixels: size, sharpness, faces; and a perceptual hash."""

from functools import cache

import cv2
import numpy as np
from PIL import Image

from contracts.events.common import Finding
from dataset.domain.rules import Rules

ANALYSIS_SIDE = 512  # checks run on a copy this size, so thresholds do not depend on megapixels
ANALYSIS_BOX = 4 * ANALYSIS_SIDE
"""Whatever the shape, the analysis copy fits in ANALYSIS_BOX² pixels: memory stays bounded."""


def gray(image: Image.Image) -> np.ndarray:
    scale = min(ANALYSIS_SIDE / min(image.size), ANALYSIS_BOX / max(image.size))
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return np.asarray(image.convert("L").resize(size, Image.Resampling.BILINEAR))


def resolution(image: Image.Image, rules: Rules) -> list[Finding]:
    short = min(image.size)
    if short < rules.min_short_side:
        return [
            Finding(
                severity="error",
                code="too_small",
                message=f"the short side is {short} px; at least {rules.min_short_side} px "
                "is needed — use the original photo, not a thumbnail",
            )
        ]
    if short < rules.good_short_side:
        return [
            Finding(
                severity="warning",
                code="low_resolution",
                message=f"the short side is {short} px; {rules.good_short_side} px or more "
                "gives sharper results",
            )
        ]
    return []


def sharpness(pixels: np.ndarray) -> float:
    """Variance of the Laplacian: edges make it high, blur makes it low."""
    return float(cv2.Laplacian(pixels, cv2.CV_32F).var())  # float32: half the memory


def blur(pixels: np.ndarray, rules: Rules) -> list[Finding]:
    score = sharpness(pixels)
    if score < rules.blur_error:
        return [
            Finding(
                severity="error",
                code="blurry",
                message=f"the photo is too blurry to learn from (sharpness {score:.0f}); "
                "use a photo that is in focus",
            )
        ]
    if score < rules.blur_warning:
        return [
            Finding(
                severity="warning",
                code="soft",
                message=f"the photo looks soft (sharpness {score:.0f}); sharp photos train better",
            )
        ]
    return []


@cache
def _face_detector() -> cv2.CascadeClassifier:
    return cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")


def faces(pixels: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Frontal human faces as (x, y, w, h) on the analysis-size image."""
    # minNeighbors 7: at 5, cropped or mirrored portraits still showed phantom second faces
    found = _face_detector().detectMultiScale(
        pixels, scaleFactor=1.1, minNeighbors=7, minSize=(32, 32)
    )
    return [tuple(int(v) for v in box) for box in found]


def character_faces(boxes: list, width: int, rules: Rules) -> list[Finding]:
    if len(boxes) > 1:
        return [
            Finding(
                severity="error",
                code="several_people",
                message=f"{len(boxes)} faces found: a character model needs one subject per "
                "photo — crop to one person or replace the photo",
            )
        ]
    if not boxes:
        return [
            Finding(
                severity="warning",
                code="no_face",
                message="no human face found; fine for an animal, otherwise use a photo where "
                "the face is visible",
            )
        ]
    if boxes[0][2] < rules.small_face * width:
        return [
            Finding(
                severity="warning",
                code="small_face",
                message="the face is small in the frame; shoulders-up portraits work best",
            )
        ]
    return []


def dhash(image: Image.Image) -> int:
    """64-bit difference hash: near-identical photos (resized, recompressed) stay close."""
    small = np.asarray(image.convert("L").resize((9, 8), Image.Resampling.LANCZOS), dtype=int)
    bits = (small[:, 1:] > small[:, :-1]).flatten()
    return int("".join("1" if b else "0" for b in bits), 2)


def colour_signature(image: Image.Image) -> np.ndarray:
    """A coarse colour histogram, for telling whether photos share background and light."""
    small = np.asarray(image.resize((64, 64)), dtype=np.uint8)
    hist = cv2.calcHist([small], [0, 1, 2], None, [4, 4, 4], [0, 256] * 3).flatten()
    return hist / hist.sum()
