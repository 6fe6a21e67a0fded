"""Near-duplicates of a submitted posting, found with the engine when it is submitted.

A need is compared with its own organisation's published needs (two enterprises may well have
the same problem); a result with every published result. What reaches the measured threshold
(`embeddings.duplicates`) is stored for the text the posting had when it was checked, and shown
to the writer (only postings they may open) and to the operator who reviews it.

The check follows the committed-changes marks (`postings.changes`): whatever path submits a
posting (pages, API, an edit of a published one that sends it back to review), the posting is
marked, and just before the commit each marked posting that is waiting for review or published
is checked, unless it was already checked with this very text.
"""

import logging
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, delete, select

from backend import engine as process_engine
from backend.accounts.models import User
from backend.matching.documents import need_document, result_document
from backend.postings import needs, results
from backend.postings.changes import ChangeListener, Mark, add_change_follower
from backend.postings.kinds import KINDS, Posting, kind_of
from backend.postings.need_model import Need
from backend.postings.quality_models import DuplicateCandidate
from backend.postings.result_model import Result
from backend.vocab import PostingStatus

log = logging.getLogger("kematch.duplicates")
SHOWN = 5  # candidates kept per posting
CHECKED = (PostingStatus.pending, PostingStatus.published)


@dataclass(frozen=True)
class DuplicateLink:
    """An existing posting a new one may duplicate, as a viewer may follow it."""

    kind: str  # need | result
    id: int
    title: str
    similarity: float

    @property
    def url(self) -> str:
        return f"/{self.kind}s/{self.id}"

    @property
    def percent(self) -> int:
        """The similarity as a whole percentage (92 %)."""
        return round(self.similarity * 100)


def _get(session: Session, side: str, posting_id: int) -> Posting | None:
    return session.get(Need, posting_id) if side == "need" else session.get(Result, posting_id)


def check(*, session: Session, posting: Posting) -> list[DuplicateCandidate]:
    """Find and store the likely duplicates of `posting` (replacing an earlier check's); [] without an engine."""
    engine = process_engine.current()
    if engine is None or posting.id is None:
        return []
    kind = kind_of(posting)
    doc = need_document(posting) if isinstance(posting, Need) else result_document(posting)
    among: list[int] | None = None
    if isinstance(posting, Need):
        same_org = select(Need.id).where(
            Need.organisation_id == posting.organisation_id,
            Need.status == PostingStatus.published,
            col(Need.id) != posting.id,
        )
        among = [i for i in session.exec(same_org) if i is not None]
    hits = [] if among == [] else engine.similar(doc=doc, k=SHOWN, among=among)
    session.execute(
        delete(DuplicateCandidate).where(
            col(DuplicateCandidate.side) == kind.name, col(DuplicateCandidate.posting_id) == posting.id
        )
    )
    rows = [
        DuplicateCandidate(
            side=kind.name,
            posting_id=posting.id,
            other_id=h.id,
            similarity=h.similarity,
            content_hash=doc.content_hash,
        )
        for h in hits
        if h.duplicate
    ]
    session.add_all(rows)
    return rows


def _checked_hash(session: Session, side: str, posting_id: int) -> str | None:
    stmt = select(DuplicateCandidate.content_hash).where(
        DuplicateCandidate.side == side, DuplicateCandidate.posting_id == posting_id
    )
    return session.exec(stmt).first()


def prepare(session: Session, marks: list[Mark]) -> list[Any]:
    """Inside the committing transaction: check each marked posting submitted or published."""
    if process_engine.current() is None:
        return []
    for side, posting_id in marks:
        posting = _get(session, side, posting_id)
        if posting is None or posting.status not in CHECKED:
            continue
        doc = need_document(posting) if isinstance(posting, Need) else result_document(posting)
        if _checked_hash(session, side, posting_id) == doc.content_hash:
            continue
        try:
            check(session=session, posting=posting)
        except Exception:  # the warning is a help: never the reason a submission fails
            log.exception("duplicate check of %s %s failed", side, posting_id)
    return []


def _nothing_after(_: list[Any]) -> None:
    """Everything was written inside the transaction."""


def install() -> None:
    """Check every committed submission (idempotent)."""
    add_change_follower(_FOLLOWER)


_FOLLOWER = ChangeListener(prepare=prepare, apply=_nothing_after)


def _visible(session: Session, other: Posting, viewer: User | None) -> bool:
    if isinstance(other, Need):
        return needs.can_view(session=session, need=other, user=viewer)
    return results.can_view(session=session, result=other, user=viewer)


def links(*, session: Session, side: str, posting_id: int, viewer: User | None) -> list[DuplicateLink]:
    """The stored duplicates of a posting that `viewer` may open, most alike first."""
    if side not in KINDS:
        return []
    stmt = (
        select(DuplicateCandidate)
        .where(DuplicateCandidate.side == side, DuplicateCandidate.posting_id == posting_id)
        .order_by(col(DuplicateCandidate.similarity).desc(), col(DuplicateCandidate.other_id))
    )
    out: list[DuplicateLink] = []
    for row in session.exec(stmt):
        other = _get(session, side, row.other_id)
        if other is not None and other.id is not None and _visible(session, other, viewer):
            out.append(DuplicateLink(side, other.id, other.title, row.similarity))
    return out
