import uvicorn

from gateway.config import Settings
from gateway.main import create_app


def server_config(app, settings: Settings) -> uvicorn.Config:
    """Request lines come from our own structlog middleware (JSON, with the correlation id).
    X-Forwarded-For and -Proto are believed only from the proxies FORWARDED_ALLOW_IPS names
    (uvicorn's own default believes anything from loopback, so a client on the host could
    pick the address the limits count)."""
    proxies = settings.forwarded_allow_ips
    return uvicorn.Config(
        app,
        host=settings.gateway_host,
        port=settings.gateway_port,
        access_log=False,
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
    )


if __name__ == "__main__":
    settings = Settings()
    uvicorn.Server(server_config(create_app(settings), settings)).run()
