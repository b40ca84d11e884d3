from contracts.settings import StorageSettings

SERVICE = "gateway"


class Settings(StorageSettings):
    gateway_host: str = "127.0.0.1"
    """GATEWAY_HOST: loopback by default; 0.0.0.0 inside a container."""
    gateway_port: int = 8080
    """GATEWAY_PORT."""
    aitrain_admin_token: str = ""
    """AITRAIN_ADMIN_TOKEN: bearer token of the admin API (accounts, credits); `make run`
    generates one when it is unset. Empty: no admin API."""
