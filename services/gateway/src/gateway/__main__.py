import uvicorn

from gateway.config import Settings
from gateway.main import create_app

settings = Settings()
uvicorn.run(create_app(settings), host=settings.gateway_host, port=settings.gateway_port)
