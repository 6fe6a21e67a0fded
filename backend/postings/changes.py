"""The change marks the index follows: which postings a committed transaction changed.

Services mark a posting when they write it; just before the commit the listener's `prepare`
turns the marks into whatever it needs while SQL is still allowed (the matching layer stores the
postings' vectors and records them in the index change feed, in this very transaction), and
after the commit its `apply` receives them. A rolled-back transaction delivers nothing. Followers (subscription
alerts) hear of the same marks the same way, right after the listener has applied them, so what
they ask the index already includes the committed postings.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

_PENDING = "kematch_changes_pending"
_READY = "kematch_changes_ready"
_FOLLOWERS_READY = "kematch_changes_followers_ready"
log = logging.getLogger("kematch.changes")

Mark = tuple[str, int]  # (side, posting id)


@dataclass(frozen=True)
class ChangeListener:
    """What follows the committed changes: prepared inside the transaction, applied after it."""

    prepare: Callable[[Session, list[Mark]], list[Any]]
    apply: Callable[[list[Any]], None]


_listener: ChangeListener | None = None
_followers: list[ChangeListener] = []


def set_change_listener(listener: ChangeListener | None) -> None:
    """Register what to call with the postings each committed transaction changed."""
    global _listener
    _listener = listener


def add_change_follower(follower: ChangeListener) -> None:
    """Also tell `follower` of each committed transaction's changes, after the listener (once)."""
    if follower not in _followers:
        _followers.append(follower)


def mark_changed(*, session: Session, side: str, item_id: int) -> None:
    """Mark a posting as changed; the listener hears of it once the transaction commits."""
    session.info.setdefault(_PENDING, set()).add((side, item_id))


def unmark(*, session: Session, side: str, item_ids: list[int]) -> None:
    """Forget marks of these postings: a bulk import marks them again in batches of its own,
    so that encoding them does not hold its storing transactions open."""
    pending = session.info.get(_PENDING)
    if pending:
        pending.difference_update((side, i) for i in item_ids)


@event.listens_for(OrmSession, "before_commit")
def _before_commit(session: Any) -> None:
    pending: set[Mark] = session.info.pop(_PENDING, set())
    listener = _listener
    if not pending or (listener is None and not _followers):
        return
    session.flush()
    for follower in _followers:
        prepared = follower.prepare(session, sorted(pending))
        session.info.setdefault(_FOLLOWERS_READY, []).append((follower, prepared))
    if listener is not None:  # last: the change feed it writes is numbered under a lock held to the commit
        session.info.setdefault(_READY, []).extend(listener.prepare(session, sorted(pending)))


@event.listens_for(OrmSession, "after_commit")
def _after_commit(session: Any) -> None:
    ready: list[Any] = session.info.pop(_READY, [])
    listener = _listener
    if ready and listener is not None:
        listener.apply(ready)
    for follower, prepared in session.info.pop(_FOLLOWERS_READY, []):
        if prepared:
            try:
                follower.apply(prepared)
            except Exception:  # the write is committed: a follower's failure must not fail it
                log.exception("a change follower failed after the commit")


@event.listens_for(OrmSession, "after_rollback")
def _after_rollback(session: Any) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_READY, None)
    session.info.pop(_FOLLOWERS_READY, None)
