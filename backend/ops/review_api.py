"""JSON API of the posting review desk (operators only)."""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from backend.accounts.deps import OperatorUser
from backend.deps import SessionDep
from backend.ops import duplicates, reviews
from backend.ops.duplicates import DuplicateAction
from backend.ops.reviews import Decision
from backend.vocab import Confidentiality, PostingStatus, TechField

router = APIRouter(prefix="/ops/reviews", tags=["reviews"])


class Candidate(BaseModel):
    """An existing posting a queued one may duplicate."""

    id: int
    title: str
    similarity: float
    url: str


class QueueItem(BaseModel):
    kind: str
    kind_label: str
    id: int
    title: str
    field: TechField
    organisation: str
    confidentiality: Confidentiality | None
    excerpt: str
    version: int
    submitted_at: datetime
    waited: str
    overdue: bool
    url: str
    duplicates: list[Candidate] = []  # likely duplicates found when it was submitted


class ReviewQueue(BaseModel):
    items: list[QueueItem]
    counts: dict[str, int]


class ReviewNote(BaseModel):
    note: str = ""


class ReviewedVersion(BaseModel):
    """The version of the posting the operator read (`version` in the queue or the posting's JSON)."""

    version: int = Field(ge=1, le=2**63 - 1)


class ReturnDecision(ReviewedVersion):
    note: str = ""


class Reviewed(BaseModel):
    """A posting after a review decision."""

    kind: str
    id: int
    title: str
    status: PostingStatus
    version: int
    review_note: str
    published_at: datetime | None
    reviewed_at: datetime | None
    closed_at: datetime | None


def _reviewed(kind: str, item: Any) -> Reviewed:
    fields = ("id", "title", "status", "version", "review_note", "published_at", "reviewed_at", "closed_at")
    return Reviewed.model_validate({"kind": kind} | {name: getattr(item, name) for name in fields})


@router.get("")
def review_queue(
    session: SessionDep,
    operator: OperatorUser,
    kind: Annotated[Literal["need", "result"] | None, Query()] = None,
) -> ReviewQueue:
    """Needs and results waiting for review, the longest-waiting first."""
    rows = reviews.queue(session=session, kind=kind)
    found = duplicates.for_queue(session=session, rows=rows, operator=operator)
    items = [
        QueueItem.model_validate(row, from_attributes=True).model_copy(
            update={
                "duplicates": [
                    Candidate(id=d.id, title=d.title, similarity=d.similarity, url=d.url)
                    for d in found.get((row.kind, row.id), [])
                ]
            }
        )
        for row in rows
    ]
    return ReviewQueue(items=items, counts=reviews.counts(session=session))


def _decide(
    session: SessionDep,
    operator: OperatorUser,
    kind: str,
    item_id: int,
    decision: Decision,
    note: str,
    version: int | None = None,
) -> Reviewed:
    item = reviews.decide(
        session=session,
        kind=kind,
        item_id=item_id,
        operator=operator,
        decision=decision,
        note=note,
        version=version,
    )
    return _reviewed(kind, item)


@router.post("/{kind}/{item_id}/approve")
def approve(
    kind: str, item_id: int, body: ReviewedVersion, session: SessionDep, operator: OperatorUser
) -> Reviewed:
    """Publish the version the operator read (409 if edited since, or if it no longer waits)."""
    return _decide(session, operator, kind, item_id, Decision.approve, "", body.version)


@router.post("/{kind}/{item_id}/return")
def send_back(
    kind: str, item_id: int, body: ReturnDecision, session: SessionDep, operator: OperatorUser
) -> Reviewed:
    """Return the version read with a reason (422 without one; 409 if edited since or no longer waiting)."""
    return _decide(session, operator, kind, item_id, Decision.send_back, body.note, body.version)


@router.post("/{kind}/{item_id}/take-down")
def take_down(
    kind: str, item_id: int, session: SessionDep, operator: OperatorUser, body: ReviewNote | None = None
) -> Reviewed:
    """Take a published posting down with a reason (422 without one, 409 if not published)."""
    return _decide(session, operator, kind, item_id, Decision.take_down, body.note if body else "")


class DuplicateDecision(ReviewedVersion):
    """The version read, and the existing posting (`other_id`, from the item's `duplicates`)."""

    other_id: int = Field(ge=1, le=2**63 - 1)


def _duplicate(
    session: SessionDep,
    operator: OperatorUser,
    kind: str,
    item_id: int,
    body: DuplicateDecision,
    action: DuplicateAction,
) -> Reviewed:
    item = duplicates.decide(
        session=session,
        kind=kind,
        item_id=item_id,
        other_id=body.other_id,
        operator=operator,
        action=action,
        version=body.version,
    )
    return _reviewed(kind, item)


@router.post("/{kind}/{item_id}/return-duplicate")
def send_back_as_duplicate(
    kind: str, item_id: int, body: DuplicateDecision, session: SessionDep, operator: OperatorUser
) -> Reviewed:
    """以重复退回: return the version read with a note naming the existing posting (409 if edited since)."""
    return _duplicate(session, operator, kind, item_id, body, DuplicateAction.send_back)


@router.post("/{kind}/{item_id}/merge")
def merge(
    kind: str, item_id: int, body: DuplicateDecision, session: SessionDep, operator: OperatorUser
) -> Reviewed:
    """合并: close the version read as a duplicate of the published `other_id`, audited."""
    return _duplicate(session, operator, kind, item_id, body, DuplicateAction.merge)
