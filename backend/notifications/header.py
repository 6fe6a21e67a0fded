"""The bell in every page's header: the viewer's unread count, added to each template's context."""

from typing import Any

from fastapi import Request
from sqlmodel import Session

from backend.notifications.service import unread_count


def unread_context(request: Request) -> dict[str, Any]:
    """`unread` for the header: the signed-in viewer's unread notifications (0 when anonymous)."""
    viewer = getattr(request.state, "viewer", None)
    session: Session | None = getattr(request.state, "db", None)
    if viewer is None or session is None:
        return {"unread": 0}
    return {"unread": unread_count(session=session, user=viewer.user)}
