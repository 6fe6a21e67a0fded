"""Research results: visibility and listing (results are public once published)."""

from typing import Any

from sqlmodel import Session, col, or_

from backend.accounts.models import Organisation, User
from backend.errors import NotFound
from backend.postings import lifecycle as lc
from backend.postings import rules
from backend.postings.disclosure import is_party_to_result
from backend.postings.kinds import RESULT
from backend.postings.listing import ListFilters, filtered, page_of, rank_order
from backend.postings.result_model import Result, ResultBase, ResultCreate, ResultPublic, ResultUpdate
from backend.vocab import PostingStatus, Role

KIND = RESULT


def create(*, session: Session, data: ResultCreate, user: User, publish: bool = False) -> Result:
    """Post a result for the researcher's organisation (draft unless `publish`)."""
    return lc.create(session=session, model=Result, data=data, user=user, publish=publish)


def update(*, session: Session, result: Result, changes: ResultUpdate, user: User) -> Result:
    """Edit a result; nothing is written if the merged record is invalid."""
    return lc.update(session=session, item=result, base=ResultBase, changes=changes, user=user)


def publish(*, session: Session, result: Result, user: User) -> Result:
    """Submit a draft or returned result for review (operators publish at once)."""
    return lc.publish(session=session, item=result, user=user)


def approve(*, session: Session, result: Result, operator: User) -> Result:
    """An operator publishes a result waiting for review."""
    return lc.approve(session=session, item=result, operator=operator)


def send_back(*, session: Session, result: Result, operator: User, note: str) -> Result:
    """An operator returns a result to its owner with a reason."""
    return lc.send_back(session=session, item=result, operator=operator, note=note)


def close(*, session: Session, result: Result, user: User, note: str = "") -> Result:
    """Close a result (an operator taking it down gives a reason): it leaves listings and matching."""
    return lc.close(session=session, item=result, user=user, note=note)


def delete(*, session: Session, result: Result, user: User) -> None:
    """Delete a result that has no pairings."""
    lc.delete(session=session, item=result, user=user)


def is_insider(*, session: Session, result: Result, user: User | None) -> bool:
    """Owner's organisation, operators, or the enterprise of an approved pairing."""
    if user is None:
        return False
    if user.role == Role.operator or result.organisation_id == user.organisation_id:
        return True
    return is_party_to_result(session=session, result=result, user=user)


def can_view(*, session: Session, result: Result, user: User | None) -> bool:
    """Published results are open to all; drafts and closed ones only to insiders."""
    return result.status == PostingStatus.published or is_insider(session=session, result=result, user=user)


def get_visible(*, session: Session, result_id: int, user: User | None) -> Result:
    """The result if `user` may see it, else NotFound."""
    result = session.get(Result, result_id)
    if result is None or not can_view(session=session, result=result, user=user):
        raise NotFound("成果不存在或已下架")
    return result


def get_editable(*, session: Session, result_id: int, user: User) -> Result:
    """The result if `user` may edit it."""
    result = get_visible(session=session, result_id=result_id, user=user)
    rules.ensure_editable(item=result, user=user)
    return result


def public_view(*, session: Session, result: Result, user: User | None) -> ResultPublic:
    """The result as `user` may see it: contacts only for insiders."""
    data = result.model_dump(warnings=False)
    org = session.get(Organisation, result.organisation_id)
    data["organisation_name"] = org.name if org else None
    if not is_insider(session=session, result=result, user=user):
        data.update(contact_name=None, contact_phone=None, contact_email=None, review_note=None)
    return ResultPublic.model_validate(data)


def visible_clause(user: User | None) -> Any:
    """SQL condition: the results `user` may see in lists."""
    public = col(Result.status) == PostingStatus.published
    if user is None:
        return public
    if user.role == Role.operator:
        return col(Result.id).is_not(None)
    return or_(public, col(Result.organisation_id) == user.organisation_id)


def list_results(
    *,
    session: Session,
    user: User | None,
    filters: ListFilters,
    order: str = "newest",
    offset: int = 0,
    limit: int = 20,
) -> tuple[list[Result], int]:
    """Results visible to `user`, filtered and paged."""
    stmt = filtered(kind=KIND, filters=filters).where(visible_clause(user))
    orders = {
        "newest": (col(Result.published_at).desc().nulls_last(), col(Result.id).desc()),
        "updated": (col(Result.updated_at).desc(), col(Result.id).desc()),
        "trl": (col(Result.trl).desc(), col(Result.id).desc()),
    }
    ranked = rank_order(model=Result, filters=filters) if order == "relevance" else None
    chosen = ranked or orders.get(order, orders["newest"])
    return page_of(session=session, stmt=stmt, order=chosen, offset=offset, limit=limit)
