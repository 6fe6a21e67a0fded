"""Refusals sent by the middlewares themselves, before any route runs: JSON for /api, a small page otherwise."""

import json
from html import escape

from starlette.types import Scope, Send

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title} · 科创撮合 KeMatch</title>
<link rel="stylesheet" href="/static/css/site.css"></head>
<body><main id="main" class="wrap"><section class="card error-page"><h1>{title}</h1><p>{message}</p>
<p><a class="button" href="/">返回首页</a></p></section></main></body></html>"""


def is_api(scope: Scope) -> bool:
    """Whether the request is for the JSON API."""
    return str(scope.get("path", "")).startswith("/api")


async def refuse(scope: Scope, send: Send, *, status: int, title: str, message: str) -> None:
    """Send a complete refusal in the project's error shape ({"error", "detail"} or an HTML page)."""
    if is_api(scope):
        body = json.dumps({"error": message, "detail": None}, ensure_ascii=False).encode()
        media = b"application/json"
    else:
        body = _PAGE.format(title=escape(title), message=escape(message)).encode()
        media = b"text/html; charset=utf-8"
    headers = [(b"content-type", media), (b"content-length", str(len(body)).encode())]
    if status == 413:
        headers.append((b"connection", b"close"))  # the rest of the body is not read
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
