"""Cross-cutting protections: security headers, request-body limits, CSRF rules, login throttling.

`install(app)` adds the middlewares; `backend.main.create_app` calls it once.
"""

from fastapi import FastAPI

from backend.security.api_guard import CsrfMiddleware
from backend.security.body_limit import BodySizeLimitMiddleware
from backend.security.headers import SecurityHeadersMiddleware


def install(app: FastAPI) -> None:
    """Wrap the app: headers outermost (they reach every answer, refusals included), then the guards."""
    app.add_middleware(CsrfMiddleware)
    app.add_middleware(BodySizeLimitMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
