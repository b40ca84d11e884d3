"""The price table: the one place prices live (overridable by environment, see config)."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Prices:
    training_credits: int = 1000
    """One training, unless the account's free training pays for it or its base has a
    price of its own."""
    image_credits: int = 5
    """One generated image."""
    base_training_credits: dict[str, int] = field(default_factory=dict)
    """Bases whose trainings cost otherwise, by name (the catalog's `training_credits`);
    the key "" is the default base's, for a training that names none."""

    def training_for(self, base: str | None) -> int:
        """What a training on `base` (None: the default base) costs."""
        return self.base_training_credits.get(base or "", self.training_credits)

    def generation_credits(self, num_images: int) -> int:
        return self.image_credits * num_images
