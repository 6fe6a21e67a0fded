"""The notifications page behind the bell: list, mark read, follow a notification's link."""

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session

from backend.accounts.deps import CsrfChecked, SignedIn
from backend.accounts.models import User
from backend.db import utcnow
from backend.deps import SessionDep
from backend.errors import NotFound
from backend.notifications import service
from backend.notifications.models import Notification
from backend.templating import redirect, render
from backend.timefmt import show_date, show_time

router = APIRouter(include_in_schema=False)


def ago(moment: datetime, now: datetime | None = None) -> str:
    """How long ago, the way people say it: 刚刚, 3 分钟前, 2 小时前, 5 天前, or the date."""
    now = now or utcnow()
    if moment.tzinfo is None and now.tzinfo is not None:
        now = now.replace(tzinfo=None)
    elif moment.tzinfo is not None and now.tzinfo is None:
        moment = moment.replace(tzinfo=None)
    seconds = max((now - moment).total_seconds(), 0)
    if seconds < 60:
        return "刚刚"
    if seconds < 3600:
        return f"{int(seconds // 60)} 分钟前"
    if seconds < 86400:
        return f"{int(seconds // 3600)} 小时前"
    if seconds < 30 * 86400:
        return f"{int(seconds // 86400)} 天前"
    return show_date(moment)


def safe_link(link: str) -> str:
    """A notification's link if it stays on this site, else the notifications page."""
    return link if link.startswith("/") and not link.startswith(("//", "/\\")) else "/notifications"


def owned(*, session: Session, user: User, notification_id: int) -> Notification:
    """The user's own notification, else NotFound (another user's looks the same as a missing one)."""
    note = session.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        raise NotFound("通知不存在")
    return note


@dataclass(frozen=True)
class NoteItem:
    id: int
    title: str
    body: str
    link: str
    unread: bool
    ago: str
    at: str  # full time, for the tooltip


@dataclass(frozen=True)
class NotificationsPage:
    """Context of the notifications page."""

    title: str
    items: list[NoteItem]
    unread: int


@router.get("/notifications", response_class=HTMLResponse)
def notifications_page(request: Request, session: SessionDep, viewer: SignedIn) -> HTMLResponse:
    """The signed-in user's notifications, newest first."""
    now = utcnow()
    items = [
        NoteItem(
            id=n.id or 0,
            title=n.title,
            body=n.body,
            link=n.link,
            unread=n.read_at is None,
            ago=ago(n.created_at, now),
            at=show_time(n.created_at) + "（北京时间）",
        )
        for n in service.latest(session=session, user=viewer.user, limit=100)
    ]
    unread = service.unread_count(session=session, user=viewer.user)
    page = NotificationsPage(title="通知", items=items, unread=unread)
    return render(request, "notifications/list.html", page)


@router.post("/notifications/read-all", dependencies=[CsrfChecked])
def read_all(session: SessionDep, viewer: SignedIn) -> RedirectResponse:
    """Mark every notification of the user read."""
    changed = service.mark_read(session=session, user=viewer.user)
    return redirect("/notifications", f"已将 {changed} 条通知标为已读" if changed else None)


@router.post("/notifications/{notification_id:int}/read", dependencies=[CsrfChecked])
def read_one(notification_id: int, session: SessionDep, viewer: SignedIn) -> RedirectResponse:
    """Mark one of the user's notifications read and go where it points."""
    note = owned(session=session, user=viewer.user, notification_id=notification_id)
    service.mark_read(session=session, user=viewer.user, notification_id=notification_id)
    return redirect(safe_link(note.link))
