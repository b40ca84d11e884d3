from contracts.settings import ServiceSettings

SERVICE = "billing"


class Settings(ServiceSettings):
    """Billing reads only the shared endpoints (see contracts.settings)."""
