"""Headers that make the browser refuse what the dashboard never does, on every answer
(pages, static files, the API, errors and 429s alike):

- a Content-Security-Policy: scripts, styles and connections from the gateway itself only,
  no inline script; images also from the object store's public endpoint (signed links) and
  from `blob:` (the wizard shows the photos chosen before they are sent); no plugins, no
  <base>, forms post here only, and no other site may frame a page (clickjacking);
- `X-Content-Type-Options: nosniff`, so an upload is never run as a script or a page;
- `Referrer-Policy: same-origin`, so signed image links and page paths stay here;
- `Strict-Transport-Security` when the request came over https.

FastAPI's /docs and /redoc pages load Swagger UI and ReDoc from their CDN with inline
script; they get that much more and nothing else.
"""

from urllib.parse import urlsplit

from fastapi import FastAPI

DOCS = ("/docs", "/redoc")
DOCS_CDN = "https://cdn.jsdelivr.net"
HSTS = "max-age=31536000"


def policy(image_origin: str, docs: bool = False) -> str:
    scripts = f"'self' 'unsafe-inline' {DOCS_CDN}" if docs else "'self'"
    styles = f"'self' {DOCS_CDN}" if docs else "'self'"
    images = f"'self' blob: {image_origin}".strip() + (" data:" if docs else "")
    return "; ".join((
        "default-src 'self'",
        f"script-src {scripts}",
        f"style-src {styles}",
        f"img-src {images}",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))  # fmt: skip


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of a URL; empty for an empty one."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""


class SecurityHeaders:
    """ASGI middleware (plain ASGI: no task or thread per request)."""

    def __init__(self, app, image_origin: str):
        self.app = app
        common = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"x-frame-options", b"DENY"),  # frame-ancestors for browsers before CSP 2
        ]
        self.headers = [*common, (b"content-security-policy", policy(image_origin).encode())]
        docs_policy = policy(image_origin, docs=True).encode()
        self.docs_headers = [*common, (b"content-security-policy", docs_policy)]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        added = self.docs_headers if scope["path"] in DOCS else self.headers
        if scope.get("scheme") == "https":
            added = [*added, (b"strict-transport-security", HSTS.encode())]

        async def answer(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        await self.app(scope, receive, answer)


def install(app: FastAPI, image_origin: str) -> None:
    """Outermost: every answer gets the headers, whichever layer gave it."""
    app.add_middleware(SecurityHeaders, image_origin=image_origin)
