"""收藏: a user's saved postings, listed only while the user may still see each one."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.errors import NotFound
from backend.follow.models import Bookmark
from backend.follow.visible import check_side, posting_if_visible, visible_or_404
from backend.postings.display import posting_title
from backend.postings.kinds import KINDS, Posting


@dataclass(frozen=True)
class SavedPosting:
    """A bookmark as its user sees it (only bookmarks of postings still visible to them)."""

    bookmark_id: int
    side: str
    posting_id: int
    title: str
    url: str
    kind_label: str
    field: str
    region: str
    saved_at: datetime


def add(*, session: Session, user: User, side: str, posting_id: int) -> Bookmark:
    """Bookmark a posting `user` may see; bookmarking it again keeps the first bookmark."""
    visible_or_404(session=session, side=side, posting_id=posting_id, user=user)
    existing = find(session=session, user=user, side=side, posting_id=posting_id)
    if existing is not None:
        return existing
    bookmark = Bookmark(user_id=user.id or 0, side=side, posting_id=posting_id)
    session.add(bookmark)
    session.flush()
    return bookmark


def find(*, session: Session, user: User, side: str, posting_id: int) -> Bookmark | None:
    """The user's bookmark of this posting, if any."""
    stmt = select(Bookmark).where(
        Bookmark.user_id == user.id, Bookmark.side == side, Bookmark.posting_id == posting_id
    )
    return session.exec(stmt).first()


def remove(*, session: Session, user: User, side: str, posting_id: int) -> None:
    """Remove the user's bookmark of a posting (visible or not any more); NotFound if there is none."""
    bookmark = find(session=session, user=user, side=check_side(side), posting_id=posting_id)
    if bookmark is None:
        raise NotFound("没有这条收藏")
    session.delete(bookmark)
    session.flush()


def saved(*, session: Session, user: User) -> tuple[list[SavedPosting], int]:
    """The user's bookmarks of postings they may still see, newest first, and how many are hidden."""
    rows = session.exec(
        select(Bookmark).where(Bookmark.user_id == user.id).order_by(col(Bookmark.id).desc())
    ).all()
    shown: list[SavedPosting] = []
    for b in rows:
        posting = posting_if_visible(session=session, side=b.side, posting_id=b.posting_id, user=user)
        if posting is not None:
            shown.append(_saved(session, b, posting, user))
    return shown, len(rows) - len(shown)


def _saved(session: Session, b: Bookmark, posting: Posting, user: User) -> SavedPosting:
    kind = KINDS[b.side]
    return SavedPosting(
        bookmark_id=b.id or 0,
        side=b.side,
        posting_id=b.posting_id,
        title=posting_title(session=session, posting=posting, viewer=user),
        url=f"{kind.path}/{b.posting_id}",
        kind_label=kind.label,
        field=str(posting.field),
        region=posting.region,
        saved_at=b.created_at,
    )


def forget_hidden(*, session: Session, user: User) -> int:
    """Delete the user's bookmarks of postings they can no longer see; returns how many."""
    gone = [
        b
        for b in session.exec(select(Bookmark).where(Bookmark.user_id == user.id)).all()
        if posting_if_visible(session=session, side=b.side, posting_id=b.posting_id, user=user) is None
    ]
    for b in gone:
        session.delete(b)
    session.flush()
    return len(gone)


def bookmarked_keys(*, session: Session, user: User) -> set[tuple[str, int]]:
    """(side, posting id) of everything the user bookmarked: which buttons read 已收藏."""
    stmt = select(Bookmark.side, Bookmark.posting_id).where(Bookmark.user_id == user.id)
    return {(side, pid) for side, pid in session.exec(stmt).all()}
