"""The web dashboard: static pages (HTML, CSS, JavaScript modules; no build step, no CDN)
served by the gateway. The pages are a client of the public /v1 API like any other, signed
in by a session cookie instead of an API key (api/sessions.py)."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
PAGES = (
    "/sign-in",
    "/set-password",
    "/training",
    "/training/new",
    "/training/{training_id}",
    "/text-to-image",
    "/credits",
    "/api-keys",
    "/webhooks",
)
NO_STORE = {"Cache-Control": "no-cache"}  # revalidated each time: a new release shows at once


def install(app: FastAPI) -> None:
    """Every page is the same shell; app.js loads the page's module by the path."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    async def shell() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers=NO_STORE)

    for path in PAGES:
        app.add_api_route(path, shell, methods=["GET"], include_in_schema=False)

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse("/training")
