"""Cross-cutting protections: security headers, request-body limits, CSRF rules, login throttling.

`install(app)` adds the middlewares; `backend.main.create_app` calls it once.
"""

from fastapi import FastAPI

from backend.errors.handlers import UnexpectedErrorMiddleware
from backend.security.api_guard import CsrfMiddleware
from backend.security.body_limit import BodySizeLimitMiddleware
from backend.security.headers import SecurityHeadersMiddleware
from backend.security.host import RelativeRedirectMiddleware
from backend.security.id_bounds import IdBoundsMiddleware


def install(app: FastAPI) -> None:
    """Wrap the app: headers outermost (they reach every answer, refusals and 500s included), then
    the 500 renderer (inside the headers: Starlette's own last-resort handler sits outside every
    middleware, so its answers carried no headers), then the guards, and innermost the rewrite of
    redirects to the request's own Host into paths. Last added is outermost."""
    app.add_middleware(RelativeRedirectMiddleware)
    app.add_middleware(CsrfMiddleware)
    app.add_middleware(BodySizeLimitMiddleware)
    app.add_middleware(IdBoundsMiddleware)
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
