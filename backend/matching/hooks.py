"""Index updates that follow a committed write, never a rolled-back one."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

_PENDING = "kematch_index_updates"
_listener: Callable[[set[tuple[str, int]]], None] | None = None


def set_index_listener(listener: Callable[[set[tuple[str, int]]], None] | None) -> None:
    """Register what to call, after each commit, with the (side, id) pairs that changed."""
    global _listener
    _listener = listener


def queue_index_update(*, session: Session, side: str, item_id: int) -> None:
    """Mark a posting as changed; the index follows once the transaction commits."""
    session.info.setdefault(_PENDING, set()).add((side, item_id))


@event.listens_for(OrmSession, "after_commit")
def _after_commit(session: Any) -> None:
    pending: set[tuple[str, int]] = session.info.pop(_PENDING, set())
    if pending and _listener is not None:
        _listener(pending)


@event.listens_for(OrmSession, "after_rollback")
def _after_rollback(session: Any) -> None:
    session.info.pop(_PENDING, None)
