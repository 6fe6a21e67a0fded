"""JSON API of 收藏, 订阅 and 对比 (the pages' twins)."""

from datetime import datetime

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from backend.accounts.deps import CurrentUser, OptionalUser
from backend.deps import SessionDep
from backend.follow import bookmarks, compare, subscriptions
from backend.follow.subscriptions import SubscriptionIn
from backend.postings.result_model import ResultPublic

router = APIRouter(tags=["follow"])
ID = Field(ge=1, le=2**63 - 1)


class BookmarkIn(BaseModel):
    side: str = Field(max_length=10)
    posting_id: int = ID


class BookmarkOut(BaseModel):
    side: str
    posting_id: int
    title: str
    url: str
    saved_at: datetime


class BookmarkList(BaseModel):
    items: list[BookmarkOut]
    hidden: int  # bookmarks of postings no longer visible to the caller (never named)


class SubscriptionOut(BaseModel):
    id: int
    side: str
    description: str
    strength: str
    hits: int


class CompareColumnOut(BaseModel):
    result: ResultPublic
    score: float | None


class CompareOut(BaseModel):
    need_id: int | None
    columns: list[CompareColumnOut]


def _bookmarks(session: SessionDep, user: CurrentUser) -> BookmarkList:
    items, hidden = bookmarks.saved(session=session, user=user)
    out = [
        BookmarkOut(side=i.side, posting_id=i.posting_id, title=i.title, url=i.url, saved_at=i.saved_at)
        for i in items
    ]
    return BookmarkList(items=out, hidden=hidden)


@router.get("/bookmarks")
def list_bookmarks(session: SessionDep, user: CurrentUser) -> BookmarkList:
    """The caller's bookmarks of postings they may still see, newest first."""
    return _bookmarks(session, user)


@router.post("/bookmarks", status_code=201)
def add_bookmark(body: BookmarkIn, session: SessionDep, user: CurrentUser) -> BookmarkList:
    """Bookmark a posting the caller may see (404 for a hidden or missing one; nothing stored)."""
    bookmarks.add(session=session, user=user, side=body.side, posting_id=body.posting_id)
    return _bookmarks(session, user)


@router.delete("/bookmarks/{side}/{posting_id}", status_code=204)
def remove_bookmark(side: str, posting_id: int, session: SessionDep, user: CurrentUser) -> Response:
    """Remove one of the caller's bookmarks."""
    bookmarks.remove(session=session, user=user, side=side, posting_id=posting_id)
    return Response(status_code=204)


def _subscriptions(session: SessionDep, user: CurrentUser) -> list[SubscriptionOut]:
    return [
        SubscriptionOut(id=s.id, side=s.side, description=s.description, strength=s.band_label, hits=s.hits)
        for s in subscriptions.listed(session=session, user=user)
    ]


@router.get("/subscriptions")
def list_subscriptions(session: SessionDep, user: CurrentUser) -> list[SubscriptionOut]:
    """The caller's subscriptions, newest first."""
    return _subscriptions(session, user)


@router.post("/subscriptions", status_code=201)
def create_subscription(body: SubscriptionIn, session: SessionDep, user: CurrentUser) -> SubscriptionOut:
    """Subscribe to new postings by field / region / text, or to new matches of one's own posting."""
    sub = subscriptions.create(session=session, user=user, data=body)
    return next(s for s in _subscriptions(session, user) if s.id == sub.id)


@router.delete("/subscriptions/{subscription_id}", status_code=204)
def delete_subscription(subscription_id: int, session: SessionDep, user: CurrentUser) -> Response:
    """Delete one of the caller's subscriptions."""
    subscriptions.remove(session=session, user=user, subscription_id=subscription_id)
    return Response(status_code=204)


@router.get("/compare")
def compare_results(
    session: SessionDep,
    user: OptionalUser,
    ids: list[str] = Query(default=[]),
    need_id: int | None = Query(default=None, ge=1, le=2**63 - 1),
) -> CompareOut:
    """2–4 results side by side (`ids=1,2` or `ids=1&ids=2`); scored for an enterprise's need."""
    found = compare.compare(session=session, user=user, ids=compare.parse_ids(ids), need_id=need_id)
    return CompareOut(
        need_id=found.need.id if found.need else None,
        columns=[CompareColumnOut(result=c.result, score=c.score) for c in found.columns],
    )
