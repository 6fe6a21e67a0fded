"""Index updates that follow a committed write, never a rolled-back one.

Services mark what changed; just before the commit the changed rows are turned into
engine documents (SQL is still allowed there), and after the commit they are applied.
"""

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from backend.matching.documents import need_document, result_document
from backend.vocab import PostingStatus
from embeddings.types import Document

_PENDING = "kematch_index_pending"
_READY = "kematch_index_ready"
# (side, id, document or None to remove)
Change = tuple[str, int, Document | None]
_listener: Callable[[list[Change]], None] | None = None


def set_index_listener(listener: Callable[[list[Change]], None] | None) -> None:
    """Register what to call, after each commit, with the postings that changed."""
    global _listener
    _listener = listener


def queue_index_update(*, session: Session, side: str, item_id: int) -> None:
    """Mark a posting as changed; the index follows once the transaction commits."""
    session.info.setdefault(_PENDING, set()).add((side, item_id))


def drop_queued_updates(*, session: Session, side: str, item_ids: list[int]) -> None:
    """Forget queued updates of these postings: a bulk import indexes them itself, in one batch."""
    pending = session.info.get(_PENDING)
    if pending:
        pending.difference_update((side, i) for i in item_ids)


def document_if_listed(session: Any, side: str, item_id: int) -> Document | None:
    """The engine document of a published posting; None if it is gone, a draft or closed."""
    from backend.needs.models import Need
    from backend.results.models import Result

    if side == "need":
        need = session.get(Need, item_id)
        return need_document(need) if need and need.status == PostingStatus.published else None
    result = session.get(Result, item_id)
    return result_document(result) if result and result.status == PostingStatus.published else None


@event.listens_for(OrmSession, "before_commit")
def _before_commit(session: Any) -> None:
    pending: set[tuple[str, int]] = session.info.pop(_PENDING, set())
    if pending and _listener is not None:
        session.flush()
        ready = [(side, i, document_if_listed(session, side, i)) for side, i in sorted(pending)]
        session.info.setdefault(_READY, []).extend(ready)


@event.listens_for(OrmSession, "after_commit")
def _after_commit(session: Any) -> None:
    ready: list[Change] = session.info.pop(_READY, [])
    if ready and _listener is not None:
        _listener(ready)


@event.listens_for(OrmSession, "after_rollback")
def _after_rollback(session: Any) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_READY, None)
