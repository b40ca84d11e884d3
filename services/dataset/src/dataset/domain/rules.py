"""Every threshold of the checks in one place (overridable by environment, see config)."""

from dataclasses import dataclass

from contracts.limits import MAX_IMAGES, MIN_IMAGES


@dataclass(frozen=True)
class Rules:
    min_images: int = MIN_IMAGES
    max_images: int = MAX_IMAGES
    max_pixels: int = 40_000_000
    """Larger images are refused before decoding (decompression bombs)."""
    max_aspect: float = 4.0
    """A long side more than this many times the short one is refused before decoding: a
    strip, not a photo (and a hostile shape that would blow up every later step)."""
    min_short_side: int = 512
    """Below this the image is refused."""
    good_short_side: int = 768
    """Below this the image gets a warning."""
    blur_error: float = 12.0
    blur_warning: float = 60.0
    """Variance of the Laplacian of the grayscale image at a fixed size: lower is blurrier."""
    duplicate_distance: int = 5
    """Perceptual hashes this close (bits of 64) are the same photo."""
    small_face: float = 0.15
    """A face narrower than this share of the image width is 'small in the frame'."""
    low_variety: float = 0.6
    """Share of image pairs with nearly the same colours above which variety is too low."""
    resolution: int = 512
    """Side of the square training images."""
