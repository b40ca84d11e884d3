import uvicorn

from gateway.config import Settings
from gateway.main import create_app

settings = Settings()
# Request lines come from our own structlog middleware (JSON, with the correlation id).
uvicorn.run(
    create_app(settings),
    host=settings.gateway_host,
    port=settings.gateway_port,
    access_log=False,
)
