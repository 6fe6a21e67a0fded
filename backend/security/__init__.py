"""Cross-cutting protections: security headers, request-body limits, the API's CSRF rule, login throttling.

`install(app)` adds the middlewares; `backend.main.create_app` calls it once.
"""

from fastapi import FastAPI

from backend.security.api_guard import ApiCsrfMiddleware
from backend.security.body_limit import BodySizeLimitMiddleware
from backend.security.headers import SecurityHeadersMiddleware


def install(app: FastAPI) -> None:
    """Wrap the app: headers outermost (they reach every answer, refusals included), then the guards."""
    app.add_middleware(ApiCsrfMiddleware)
    app.add_middleware(BodySizeLimitMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
