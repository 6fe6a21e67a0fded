"""The JSON API's CSRF rule: a state-changing /api request must be one a cross-site form cannot make.

An HTML form can only send `application/x-www-form-urlencoded`, `multipart/form-data` or
`text/plain`, and cannot add headers. So a POST/PUT/PATCH/DELETE to /api is accepted when

* its body is JSON (`Content-Type: application/json` or `…+json`): a cross-site page can only
  send that after a CORS preflight, which this app never grants; or
* it has no body and no Content-Type (`POST /api/needs/7/publish`): no form produces that; or
* it carries `X-Requested-With` or `X-CSRF-Token` (how a script uploads the import's multipart
  file): custom headers need a preflight too. An `X-CSRF-Token` must also equal the session's
  token; `backend.security.api_guard.check_api_csrf_token` checks that where the session is known.

Anything else is refused with 403 and a Chinese JSON error before the route runs. The session
cookie's SameSite=Lax is the first line; this rule holds even where SameSite does not (same-site
subdomains, old browsers). Pages are protected by their forms' `csrf_token` (backend.deps.check_csrf).

For every state-changing request, pages and API alike, the browser's own word is checked too:
`Sec-Fetch-Site: cross-site`, or an `Origin` that is not this host, is refused. That is what
guards the forms that have no session to bind a token to (log in, sign up: "login CSRF").
"""

import secrets
from email.message import Message as MimeMessage
from urllib.parse import urlsplit

from fastapi import Depends, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.accounts.deps import get_viewer
from backend.deps import SessionDep
from backend.errors import NotPermitted
from backend.security.responses import refuse

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
PROOF_HEADERS = (b"x-requested-with", b"x-csrf-token")
CROSS_SITE_MESSAGE = "请求来自其他网站，已拒绝。请在本站页面上操作"
MESSAGE = "请求来源无法验证：接口只接受 JSON 请求（Content-Type: application/json），或带 X-Requested-With / X-CSRF-Token 请求头的请求"


def is_json(content_type: str) -> bool:
    """Whether a Content-Type header names JSON."""
    parsed = MimeMessage()
    parsed["content-type"] = content_type
    subtype = parsed.get_content_subtype()
    return parsed.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


def cross_site(scope: Scope) -> bool:
    """Whether the browser says a state-changing request comes from another site."""
    if scope.get("method", "GET") in SAFE_METHODS:
        return False
    headers = dict(scope.get("headers", []))
    if headers.get(b"sec-fetch-site", b"").strip().lower() == b"cross-site":
        return True
    origin = headers.get(b"origin")
    if origin is None:
        return False  # not a browser, or an old one: the other rules still hold
    host = headers.get(b"host", b"").decode("latin-1").strip().lower()
    parsed = urlsplit(origin.decode("latin-1").strip().lower())
    return not host or parsed.netloc != host


def forgeable(scope: Scope) -> bool:
    """Whether a cross-site form could have sent this request."""
    if scope.get("method", "GET") in SAFE_METHODS or not str(scope.get("path", "")).startswith("/api"):
        return False
    headers = dict(scope.get("headers", []))
    if any(headers.get(name, b"").strip() for name in PROOF_HEADERS):
        return False
    content_type = headers.get(b"content-type", b"").decode("latin-1").strip()
    if not content_type:
        # No body at all: nothing a form sends. A body without a type is refused.
        return (
            headers.get(b"content-length", b"0").strip() not in (b"", b"0") or b"transfer-encoding" in headers
        )
    return not is_json(content_type)


class CsrfMiddleware:
    """Refuses cross-site state-changing requests, and forgeable state-changing /api requests, with 403."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and cross_site(scope):
            await refuse(scope, send, status=403, title="无权访问", message=CROSS_SITE_MESSAGE)
            return
        if scope["type"] == "http" and forgeable(scope):
            await refuse(scope, send, status=403, title="无权访问", message=MESSAGE)
            return
        await self.app(scope, receive, send)


def check_api_csrf_token(request: Request, session: SessionDep) -> None:
    """A supplied X-CSRF-Token must be the signed-in session's own (an app-wide dependency)."""
    supplied = request.headers.get("x-csrf-token")
    if supplied is None or request.method in SAFE_METHODS or not request.url.path.startswith("/api"):
        return
    viewer = get_viewer(request, session)
    if viewer is None or not secrets.compare_digest(supplied, viewer.csrf_token):
        raise NotPermitted("X-CSRF-Token 与当前登录会话不符，请刷新页面后重试")


ApiCsrfToken = Depends(check_api_csrf_token)
