"""The Host header is the client's to forge: no answer repeats it.

Pages link with paths (`templating._url_for`); the one absolute URL left is Starlette's own
trailing-slash redirect (`/needs/` → `http://<Host>/needs`), which this rewrites to a path. A
redirect to another site (none is built from a request) is left alone.
"""

from starlette.datastructures import URL, Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def relative(location: str, host: str) -> str:
    """`location` without its scheme and host when it points at `host` (the request's own)."""
    url = URL(location)
    if not url.netloc or url.netloc.lower() != host.lower():
        return location
    path = url.path or "/"
    return path + (f"?{url.query}" if url.query else "")


class RelativeRedirectMiddleware:
    """Rewrite a Location naming the request's own Host into a path on this site."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host", "")

        async def send_relative(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "location" in headers:
                    headers["location"] = relative(headers["location"], host)
            await send(message)

        await self.app(scope, receive, send_relative)
