from billing.domain.prices import Prices
from contracts.settings import ServiceSettings

SERVICE = "billing"


class Settings(ServiceSettings):
    billing_training_credits: int = Prices.training_credits
    """BILLING_TRAINING_CREDITS: price of a training."""
    billing_image_credits: int = Prices.image_credits
    """BILLING_IMAGE_CREDITS: price of one generated image."""

    def prices(self) -> Prices:
        return Prices(self.billing_training_credits, self.billing_image_credits)
