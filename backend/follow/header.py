"""The bookmark buttons' state in every page: which postings the viewer has bookmarked."""

from typing import Any

from fastapi import Request
from sqlmodel import Session

from backend.follow.bookmarks import bookmarked_keys


def bookmark_context(request: Request) -> dict[str, Any]:
    """`bookmarked`: the signed-in viewer's (side, posting id) pairs (empty when anonymous)."""
    viewer = getattr(request.state, "viewer", None)
    session: Session | None = getattr(request.state, "db", None)
    if viewer is None or session is None:
        return {"bookmarked": frozenset()}
    return {"bookmarked": bookmarked_keys(session=session, user=viewer.user)}
