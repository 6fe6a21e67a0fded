"""JSON API of duplicate warnings: what a submitted posting may duplicate (for its editors)."""

from fastapi import APIRouter
from pydantic import BaseModel

from backend.accounts.deps import CurrentUser
from backend.deps import SessionDep
from backend.matching.duplicates import links
from backend.postings import needs, results

router = APIRouter(tags=["duplicates"])


class DuplicateOut(BaseModel):
    """An existing posting the submitted one is likely a duplicate of."""

    id: int
    title: str
    similarity: float  # 0-1; a duplicate from embeddings.duplicates.THRESHOLD up
    url: str


def _out(session: SessionDep, side: str, posting_id: int, user: CurrentUser) -> list[DuplicateOut]:
    found = links(session=session, side=side, posting_id=posting_id, viewer=user)
    return [DuplicateOut(id=d.id, title=d.title, similarity=d.similarity, url=d.url) for d in found]


@router.get("/needs/{need_id}/duplicates")
def need_duplicates(need_id: int, session: SessionDep, user: CurrentUser) -> list[DuplicateOut]:
    """可能与已有需求重复: the organisation's published needs this one resembles (editors only)."""
    needs.get_editable(session=session, need_id=need_id, user=user)
    return _out(session, "need", need_id, user)


@router.get("/results/{result_id}/duplicates")
def result_duplicates(result_id: int, session: SessionDep, user: CurrentUser) -> list[DuplicateOut]:
    """可能与已有成果重复: published results this one resembles (editors only)."""
    results.get_editable(session=session, result_id=result_id, user=user)
    return _out(session, "result", result_id, user)
