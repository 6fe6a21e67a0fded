"""Creating and reading notifications; emails follow the commit that created them."""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, update
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, func, select

from backend import outgoing_mail
from backend.accounts.models import User
from backend.db import utcnow
from backend.notifications import mailer
from backend.notifications.models import Notification


def notify(
    *,
    session: Session,
    users: Iterable[User],
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    email: bool = True,
) -> list[Notification]:
    """Notify each distinct active user once, in-app now and (unless `email` is off: a digest
    sends it later) by email after the commit."""
    seen: set[int] = set()
    created: list[Notification] = []
    for user in users:
        if user.id is None or user.id in seen or not user.is_active:
            continue
        seen.add(user.id)
        note = Notification(user_id=user.id, kind=kind, title=title[:200], body=body[:2000], link=link[:300])
        session.add(note)
        created.append(note)
        if email:
            outgoing_mail.queue(session, to=user.email, subject=title, body=f"{body}\n\n{link}".strip())
    session.flush()
    return created


def unread_count(*, session: Session, user: User) -> int:
    """How many notifications `user` has not read."""
    stmt = (
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, col(Notification.read_at).is_(None))
    )
    return int(session.exec(stmt).one())


def latest(*, session: Session, user: User, limit: int = 50) -> list[Notification]:
    """The user's notifications, newest first."""
    stmt = (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(col(Notification.id).desc())
        .limit(limit)
    )
    return list(session.exec(stmt))


def mark_read(*, session: Session, user: User, notification_id: int | None = None) -> int:
    """Mark one (or, with no id, every) notification of `user` read; returns how many changed."""
    stmt: Any = update(Notification).where(
        col(Notification.user_id) == user.id, col(Notification.read_at).is_(None)
    )
    if notification_id is not None:
        stmt = stmt.where(col(Notification.id) == notification_id)
    return int(session.execute(stmt.values(read_at=utcnow())).rowcount)  # type: ignore[attr-defined]


@event.listens_for(OrmSession, "after_commit")
def _send_after_commit(session: Any) -> None:
    # Everything queued on the session (see backend.outgoing_mail), these notifications and the
    # accounts' links alike; a rollback has already dropped the queue.
    for to, subject, body in outgoing_mail.take(session):
        mailer.send(to=to, subject=f"【科创撮合】{subject}", body=body)
