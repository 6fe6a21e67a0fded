"""Emails waiting for the commit of the write they tell about.

Any layer may queue an email on the database session (accounts queue reset and verification
links, notifications their messages); `notifications.service` delivers the queue right after
the commit, through its mailer, and a rollback drops it: nobody is told of a write that did not
happen, and a failed delivery never undoes one that did.
"""

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession

_QUEUE = "kematch_outgoing_mail"


def queue(session: OrmSession, *, to: str, subject: str, body: str) -> None:
    """Send this email once `session` commits (the subject gets the platform's prefix)."""
    session.info.setdefault(_QUEUE, []).append((to, subject, body))


def take(session: OrmSession) -> list[tuple[str, str, str]]:
    """The queued emails (to, subject, body), removed from the session."""
    return list(session.info.pop(_QUEUE, []))


@event.listens_for(OrmSession, "after_rollback")
def _drop_after_rollback(session: Any) -> None:
    session.info.pop(_QUEUE, None)
