"""The price table: the one place prices live (overridable by environment, see config)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Prices:
    training_credits: int = 1000
    """One training, unless the account's free training pays for it."""
    image_credits: int = 5
    """One generated image."""

    def generation_credits(self, num_images: int) -> int:
        return self.image_credits * num_images
