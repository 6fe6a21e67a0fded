"""JSON API of technical results."""

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from backend.accounts.deps import CurrentUser, OptionalUser
from backend.deps import SessionDep
from backend.postings import results as service
from backend.postings.kinds import RESULT
from backend.postings.lifecycle import CloseRequest
from backend.postings.listing import ListFilters
from backend.postings.result_model import ResultCreate, ResultPublic, ResultUpdate
from backend.postings.search import RankedHit, default_order, list_postings, ranking
from backend.vocab import PostingStatus, TechField, TransferMode

router = APIRouter(prefix="/results", tags=["results"])


class ResultPage(BaseModel):
    items: list[ResultPublic]
    total: int
    offset: int
    limit: int
    # With a text query ranked by relevance: each item's score and strength, as the pages show them.
    ranking: list[RankedHit] | None = None


@router.get("")
def list_results(
    session: SessionDep,
    user: OptionalUser,
    field: TechField | None = None,
    region: Annotated[str | None, Query(max_length=20)] = None,
    trl_min: Annotated[int | None, Query(ge=1, le=9)] = None,
    trl_max: Annotated[int | None, Query(ge=1, le=9)] = None,
    mode: TransferMode | None = None,
    status: PostingStatus | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    order: Annotated[str | None, Query(pattern="^(relevance|newest|updated|trl)$")] = None,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ResultPage:
    """Results the caller may see, filtered and paged; a text query is ranked by relevance (as /results)."""
    text = (q or "").strip() or None
    filters = ListFilters(
        field=field, region=region, trl_min=trl_min, trl_max=trl_max, mode=mode, status=status, text=text
    )
    rows, total = list_postings(
        session=session,
        kind=RESULT,
        user=user,
        filters=filters,
        order=order or default_order(text, "newest"),
        offset=offset,
        limit=limit,
    )
    items = [service.public_view(session=session, result=n, user=user) for n in rows]
    ids = [p.id for p in items]
    return ResultPage(items=items, total=total, offset=offset, limit=limit, ranking=ranking(filters, ids))


@router.post("", status_code=201)
def create_result(
    data: ResultCreate, session: SessionDep, user: CurrentUser, publish: bool = False
) -> ResultPublic:
    """Post a result (draft unless `publish=true`)."""
    result = service.create(session=session, data=data, user=user, publish=publish)
    return service.public_view(session=session, result=result, user=user)


@router.get("/{result_id}")
def get_result(result_id: int, session: SessionDep, user: OptionalUser) -> ResultPublic:
    """One result, as the caller may see it."""
    result = service.get_visible(session=session, result_id=result_id, user=user)
    return service.public_view(session=session, result=result, user=user)


@router.patch("/{result_id}")
def update_result(
    result_id: int, changes: ResultUpdate, session: SessionDep, user: CurrentUser
) -> ResultPublic:
    """Edit a result (owner's organisation or an operator)."""
    result = service.get_editable(session=session, result_id=result_id, user=user)
    result = service.update(session=session, result=result, changes=changes, user=user)
    return service.public_view(session=session, result=result, user=user)


@router.post("/{result_id}/publish")
def publish_result(result_id: int, session: SessionDep, user: CurrentUser) -> ResultPublic:
    """Publish a draft result."""
    result = service.get_editable(session=session, result_id=result_id, user=user)
    return service.public_view(
        session=session, result=service.publish(session=session, result=result, user=user), user=user
    )


@router.post("/{result_id}/close")
def close_result(
    result_id: int, session: SessionDep, user: CurrentUser, body: CloseRequest | None = None
) -> ResultPublic:
    """Close a result; an operator taking down another organisation's result must give a reason."""
    result = service.get_editable(session=session, result_id=result_id, user=user)
    note = body.note if body else ""
    return service.public_view(
        session=session, result=service.close(session=session, result=result, user=user, note=note), user=user
    )


@router.delete("/{result_id}", status_code=204)
def delete_result(result_id: int, session: SessionDep, user: CurrentUser) -> Response:
    """Delete a result that has no pairings."""
    result = service.get_editable(session=session, result_id=result_id, user=user)
    service.delete(session=session, result=result, user=user)
    return Response(status_code=204)
