"""A deleted posting takes its attachments with it (rows in the transaction, files after it).

Deleting a posting marks it changed (`postings.changes`); this follower, prepared just before
the commit, finds marked postings that no longer exist and forgets their attachments, so neither
a row nor a file outlives the posting.
"""

from typing import Any

from sqlmodel import Session, select

from backend.documents.models import Attachment
from backend.documents.service import forget
from backend.postings.changes import ChangeListener, Mark, add_change_follower
from backend.postings.kinds import KINDS


def _prepare(session: Session, marks: list[Mark]) -> list[Any]:
    gone: list[Attachment] = []
    for side, posting_id in marks:
        kind = KINDS.get(side)
        if kind is None or session.get(kind.model, posting_id) is not None:
            continue
        gone.extend(
            session.exec(
                select(Attachment).where(Attachment.side == side, Attachment.posting_id == posting_id)
            ).all()
        )
    if gone:
        forget(session=session, rows=gone)
    return []


def _apply(prepared: list[Any]) -> None:
    return None


FOLLOWER = ChangeListener(prepare=_prepare, apply=_apply)


def install() -> None:
    """Start following posting deletions (called once by the app)."""
    add_change_follower(FOLLOWER)
