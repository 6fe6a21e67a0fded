"""The session cookie's attributes, in one place."""

from fastapi import Request, Response

from backend.config import get_settings

SESSION_COOKIE = "kematch_session"


def set_session_cookie(response: Response, token: str, request: Request) -> None:
    """HttpOnly, SameSite=Lax; Secure when configured for HTTPS or served over it; lives as long as the session."""
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies or request.url.scheme == "https",
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    """Remove the session cookie from the browser."""
    response.delete_cookie(SESSION_COOKIE, path="/")
