"""Judge a generated image against its scene by pixel statistics, as a person would look:
background colour from the border, object colour from the pixels that differ from it,
shape from the object's silhouette."""

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from aitrain_basemodel.world import PALETTE, Scene

_NAMES = list(PALETTE)
MIN_OBJECT = 0.01
"""Below this share of the image, what differs from the background is no object."""
_COLOURS = np.array([PALETTE[name] for name in _NAMES], dtype=float)


@dataclass(frozen=True)
class Verdict:
    background: str
    colour: str | None
    shape: str | None
    """circle, square, triangle, star, heart — or None when there is no clear object."""


def nearest(pixels: np.ndarray) -> np.ndarray:
    """Index of the nearest palette colour for each RGB pixel."""
    distance = ((pixels[..., None, :] - _COLOURS) ** 2).sum(-1)
    return distance.argmin(-1)


def judge(image: Image.Image) -> Verdict:
    pixels = np.asarray(image.convert("RGB"), dtype=float)
    labels = nearest(pixels)
    background = _background(labels)
    mask = (labels != background).astype(np.uint8)
    if mask.sum() < MIN_OBJECT * mask.size:
        return Verdict(_NAMES[background], None, None)
    colour = int(np.bincount(labels[mask == 1], minlength=len(_NAMES)).argmax())
    return Verdict(_NAMES[background], _NAMES[colour], shape_of(mask))


def _background(labels: np.ndarray) -> int:
    border = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    return int(np.bincount(border, minlength=len(_NAMES)).argmax())


def object_mask(pixels: np.ndarray) -> np.ndarray:
    """1 where an RGB image (H x W x 3) differs from its background colour, else 0; all 0
    when too little differs to be an object."""
    labels = nearest(pixels)
    mask = (labels != _background(labels)).astype(np.uint8)
    return mask if mask.sum() >= MIN_OBJECT * mask.size else np.zeros_like(mask)


def shape_of(mask: np.ndarray) -> str | None:
    """Classify the largest blob by how it fills its box and its convex hull."""
    filled = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(filled, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    blob = max(contours, key=cv2.contourArea)
    # pixel counts, not polygon areas: a contour runs through pixel centres and would make a
    # 10-px square fill only 81 % of its 10 x 10 box
    area = _pixels(filled.shape, blob)
    if area < 6:
        return None
    x, y, w, h = cv2.boundingRect(blob)
    extent = area / (w * h)
    solidity = area / _pixels(filled.shape, cv2.convexHull(blob))
    box = filled[y : y + h, x : x + w]
    top_heavy = box[: h // 2].sum() / max(box[h - h // 2 :].sum(), 1)
    # measured on rendered scenes at 32 and 64 px: stars are hollow between their points,
    # triangles point up (mass below), hearts have their lobes on top
    if solidity < 0.72 or extent < 0.48:
        return "star"
    if top_heavy < 0.6:
        return "triangle"
    if top_heavy > 1.4:
        return "heart"
    return "square" if extent > 0.86 else "circle"


def _pixels(shape: tuple[int, int], outline: np.ndarray) -> int:
    canvas = np.zeros(shape, np.uint8)
    cv2.drawContours(canvas, [outline], -1, 1, thickness=cv2.FILLED)
    return int(canvas.sum())


def adheres(image: Image.Image, scene: Scene) -> dict[str, bool]:
    verdict = judge(image)
    return {
        "background": verdict.background == scene.background,
        "colour": verdict.colour == scene.colour,
        "shape": verdict.shape == scene.shape,
    }


STRAY_DISTANCE = 48.0
"""RGB distance beyond which a pixel is no blend of the scene's colours (anti-aliasing and
soft edges blend two of them; a rainbow blob does not)."""


def artifact_score(image: Image.Image, scene: Scene) -> float:
    """Share of pixels whose colour is neither the background's, the object's nor its
    pattern's, nor any blend of two of them: what a person sees as a stain."""
    from aitrain_basemodel.world import pattern_ink

    names = [scene.background, scene.colour]
    if scene.pattern != "plain":
        names.append(pattern_ink(scene))
    colours = np.array([PALETTE[name] for name in names], dtype=float)
    pixels = np.asarray(image.convert("RGB"), dtype=float).reshape(-1, 3)
    nearest_blend = np.full(len(pixels), np.inf)
    for i in range(len(colours)):
        for j in range(i, len(colours)):
            nearest_blend = np.minimum(
                nearest_blend, _distance_to_segment(pixels, *colours[[i, j]])
            )
    return float((nearest_blend > STRAY_DISTANCE).mean())


def _distance_to_segment(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    span = b - a
    length = max(float(span @ span), 1e-9)
    t = np.clip((points - a) @ span / length, 0, 1)
    return np.linalg.norm(points - (a + t[:, None] * span), axis=1)
