from typing import ClassVar

from billing.domain.prices import Prices
from contracts.bases import catalog_of
from contracts.settings import ServiceSettings

SERVICE = "billing"


class Settings(ServiceSettings):
    may_stay_unset: ClassVar[frozenset[str]] = ServiceSettings.may_stay_unset | {"aitrain_bases"}
    """Without a catalog every training costs BILLING_TRAINING_CREDITS."""

    aitrain_bases: str = ""
    """AITRAIN_BASES: the deployment's bases (contracts.bases), the same value every service
    reads; a base's `training_credits` is what a training on it costs."""
    billing_training_credits: int = Prices.training_credits
    """BILLING_TRAINING_CREDITS: price of a training."""
    billing_image_credits: int = Prices.image_credits
    """BILLING_IMAGE_CREDITS: price of one generated image."""

    def prices(self) -> Prices:
        catalog = catalog_of(self.aitrain_bases)
        own = {b.name: b.training_credits for b in catalog.bases if b.training_credits is not None}
        if catalog.default.name in own:  # a training naming no base trains on the default
            own[""] = own[catalog.default.name]
        return Prices(self.billing_training_credits, self.billing_image_credits, own)
