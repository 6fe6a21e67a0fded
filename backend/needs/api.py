"""JSON API of technical needs."""

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from backend.accounts.deps import CurrentUser, OptionalUser
from backend.deps import SessionDep
from backend.postings import needs as service
from backend.postings.kinds import NEED
from backend.postings.lifecycle import CloseRequest
from backend.postings.listing import ListFilters
from backend.postings.need_model import NeedCreate, NeedPublic, NeedUpdate
from backend.postings.search import RankedHit, default_order, list_postings, ranking
from backend.vocab import PostingStatus, TechField, TransferMode

router = APIRouter(prefix="/needs", tags=["needs"])


class NeedPage(BaseModel):
    items: list[NeedPublic]
    total: int
    offset: int
    limit: int
    # With a text query ranked by relevance: each item's score and strength, as the pages show them.
    ranking: list[RankedHit] | None = None


@router.get("")
def list_needs(
    session: SessionDep,
    user: OptionalUser,
    field: TechField | None = None,
    region: Annotated[str | None, Query(max_length=20)] = None,
    trl_min: Annotated[int | None, Query(ge=1, le=9)] = None,
    trl_max: Annotated[int | None, Query(ge=1, le=9)] = None,
    mode: TransferMode | None = None,
    status: PostingStatus | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    order: Annotated[str | None, Query(pattern="^(relevance|newest|deadline|updated)$")] = None,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> NeedPage:
    """Needs the caller may see, filtered and paged; a text query is ranked by relevance (as /needs)."""
    text = (q or "").strip() or None
    filters = ListFilters(
        field=field, region=region, trl_min=trl_min, trl_max=trl_max, mode=mode, status=status, text=text
    )
    rows, total = list_postings(
        session=session,
        kind=NEED,
        user=user,
        filters=filters,
        order=order or default_order(text, "newest"),
        offset=offset,
        limit=limit,
    )
    items = [service.public_view(session=session, need=n, user=user) for n in rows]
    ids = [p.id for p in items]
    return NeedPage(items=items, total=total, offset=offset, limit=limit, ranking=ranking(filters, ids))


@router.post("", status_code=201)
def create_need(
    data: NeedCreate, session: SessionDep, user: CurrentUser, publish: bool = False
) -> NeedPublic:
    """Post a need (draft unless `publish=true`)."""
    need = service.create(session=session, data=data, user=user, publish=publish)
    return service.public_view(session=session, need=need, user=user)


@router.get("/{need_id}")
def get_need(need_id: int, session: SessionDep, user: OptionalUser) -> NeedPublic:
    """One need, as the caller may see it."""
    need = service.get_visible(session=session, need_id=need_id, user=user)
    return service.public_view(session=session, need=need, user=user)


@router.patch("/{need_id}")
def update_need(need_id: int, changes: NeedUpdate, session: SessionDep, user: CurrentUser) -> NeedPublic:
    """Edit a need (owner's enterprise or an operator)."""
    need = service.get_editable(session=session, need_id=need_id, user=user)
    need = service.update(session=session, need=need, changes=changes, user=user)
    return service.public_view(session=session, need=need, user=user)


@router.post("/{need_id}/publish")
def publish_need(need_id: int, session: SessionDep, user: CurrentUser) -> NeedPublic:
    """Publish a draft need."""
    need = service.get_editable(session=session, need_id=need_id, user=user)
    return service.public_view(
        session=session, need=service.publish(session=session, need=need, user=user), user=user
    )


@router.post("/{need_id}/close")
def close_need(
    need_id: int, session: SessionDep, user: CurrentUser, body: CloseRequest | None = None
) -> NeedPublic:
    """Close a need; an operator taking down another organisation's need must give a reason."""
    need = service.get_editable(session=session, need_id=need_id, user=user)
    note = body.note if body else ""
    return service.public_view(
        session=session, need=service.close(session=session, need=need, user=user, note=note), user=user
    )


@router.delete("/{need_id}", status_code=204)
def delete_need(need_id: int, session: SessionDep, user: CurrentUser) -> Response:
    """Delete a need that has no pairings."""
    need = service.get_editable(session=session, need_id=need_id, user=user)
    service.delete(session=session, need=need, user=user)
    return Response(status_code=204)
