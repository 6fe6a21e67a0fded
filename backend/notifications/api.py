"""JSON API of the signed-in user's notifications."""

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from backend.accounts.deps import CurrentUser
from backend.deps import SessionDep
from backend.notifications import service
from backend.notifications.pages import owned

router = APIRouter(prefix="/notifications", tags=["notifications"])


class NotificationOut(BaseModel):
    id: int
    kind: str
    title: str
    body: str
    link: str
    read: bool
    created_at: datetime


class NotificationList(BaseModel):
    unread: int
    items: list[NotificationOut]


class ReadRequest(BaseModel):
    """Which notification to mark read; none means all of them."""

    id: int | None = None


class ReadResult(BaseModel):
    changed: int
    unread: int


@router.get("")
def list_notifications(session: SessionDep, user: CurrentUser, limit: int = 50) -> NotificationList:
    """The unread count and the newest notifications."""
    limit = max(1, min(limit, 200))
    items = [
        NotificationOut(
            id=n.id or 0,
            kind=n.kind,
            title=n.title,
            body=n.body,
            link=n.link,
            read=n.read_at is not None,
            created_at=n.created_at,
        )
        for n in service.latest(session=session, user=user, limit=limit)
    ]
    return NotificationList(unread=service.unread_count(session=session, user=user), items=items)


@router.post("/read")
def mark_read(session: SessionDep, user: CurrentUser, body: ReadRequest | None = None) -> ReadResult:
    """Mark one notification (by id) or all of them read."""
    target = body.id if body else None
    if target is not None:
        owned(session=session, user=user, notification_id=target)
    changed = service.mark_read(session=session, user=user, notification_id=target)
    return ReadResult(changed=changed, unread=service.unread_count(session=session, user=user))
