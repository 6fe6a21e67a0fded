"""Technical needs: their own rules (有效期, 保密 / 脱敏), visibility and listing."""

from typing import Any

from sqlmodel import Session, col, or_

from backend.accounts.models import Organisation, User
from backend.db import utcnow
from backend.errors import NotFound
from backend.postings import lifecycle as lc
from backend.postings import rules
from backend.postings.disclosure import is_party_to_need, party_need_clause
from backend.postings.kinds import NEED
from backend.postings.listing import ListFilters, filtered, page_of, rank_order
from backend.postings.need_model import Need, NeedBase, NeedCreate, NeedPublic, NeedUpdate
from backend.vocab import Confidentiality, PostingStatus, Role

KIND = NEED


def create(*, session: Session, data: NeedCreate, user: User, publish: bool = False) -> Need:
    """Post a need for the user's enterprise (draft unless `publish`)."""
    rules.check_future(data.valid_until)
    return lc.create(session=session, model=Need, data=data, user=user, publish=publish)


def update(*, session: Session, need: Need, changes: NeedUpdate, user: User) -> Need:
    """Edit a need; nothing is written if the merged record is invalid."""
    if "valid_until" in changes.model_fields_set:
        rules.check_future(changes.valid_until)
    return lc.update(session=session, item=need, base=NeedBase, changes=changes, user=user)


def publish(*, session: Session, need: Need, user: User) -> Need:
    """Submit a draft or returned need for review (operators publish at once)."""
    rules.check_future(need.valid_until)
    return lc.publish(session=session, item=need, user=user)


def approve(*, session: Session, need: Need, operator: User) -> Need:
    """An operator publishes a need waiting for review."""
    return lc.approve(session=session, item=need, operator=operator)


def send_back(*, session: Session, need: Need, operator: User, note: str) -> Need:
    """An operator returns a need to its owner with a reason."""
    return lc.send_back(session=session, item=need, operator=operator, note=note)


def close(*, session: Session, need: Need, user: User, note: str = "") -> Need:
    """Close a need (an operator taking it down gives a reason): it leaves listings and matching."""
    return lc.close(session=session, item=need, user=user, note=note)


def delete(*, session: Session, need: Need, user: User) -> None:
    """Delete a need that has no pairings."""
    lc.delete(session=session, item=need, user=user)


def is_insider(*, session: Session, need: Need, user: User | None) -> bool:
    """Owner's organisation, operators, or the other party of an approved pairing."""
    if user is None:
        return False
    if user.role == Role.operator or need.organisation_id == user.organisation_id:
        return True
    return is_party_to_need(session=session, need=need, user=user)


def can_view(*, session: Session, need: Need, user: User | None) -> bool:
    """Who may open a need at all (an expired one: only insiders)."""
    if is_insider(session=session, need=need, user=user):
        return True
    listed = need.status == PostingStatus.published and not rules.expired(need.valid_until)
    return listed and need.confidentiality != Confidentiality.secret


def get_visible(*, session: Session, need_id: int, user: User | None) -> Need:
    """The need if `user` may see it; otherwise NotFound (a secret need's existence is not revealed)."""
    need = session.get(Need, need_id)
    if need is None or not can_view(session=session, need=need, user=user):
        raise NotFound("需求不存在或已下架")
    return need


def get_editable(*, session: Session, need_id: int, user: User) -> Need:
    """The need if `user` may edit it; NotFound if they may not even see it."""
    need = get_visible(session=session, need_id=need_id, user=user)
    rules.ensure_editable(item=need, user=user)
    return need


def public_view(*, session: Session, need: Need, user: User | None) -> NeedPublic:
    """The need as `user` may see it: 脱敏 hides the enterprise; contacts only for insiders."""
    insider = is_insider(session=session, need=need, user=user)
    data = need.model_dump(warnings=False)
    org = session.get(Organisation, need.organisation_id)
    hide_identity = need.confidentiality != Confidentiality.public and not insider
    data["organisation_id"] = None if hide_identity else need.organisation_id
    data["organisation_name"] = None if hide_identity else (org.name if org else None)
    if not insider:
        data.update(contact_name=None, contact_phone=None, contact_email=None, review_note=None)
    return NeedPublic.model_validate(data)


def visible_clause(user: User | None) -> Any:
    """SQL condition: the needs `user` may see in lists."""
    public = (
        (col(Need.status) == PostingStatus.published)
        & (col(Need.confidentiality) != Confidentiality.secret)
        & (col(Need.valid_until) > utcnow().date())  # an expired need leaves lists (rules.expired)
    )
    if user is None:
        return public
    if user.role == Role.operator:
        return col(Need.id).is_not(None)
    party = party_need_clause(user)
    return or_(public, col(Need.organisation_id) == user.organisation_id, party)


def list_needs(
    *,
    session: Session,
    user: User | None,
    filters: ListFilters,
    order: str = "newest",
    offset: int = 0,
    limit: int = 20,
) -> tuple[list[Need], int]:
    """Needs visible to `user`, filtered and paged."""
    stmt = filtered(kind=KIND, filters=filters).where(visible_clause(user))
    orders = {
        "newest": (col(Need.published_at).desc().nulls_last(), col(Need.id).desc()),
        "deadline": (col(Need.valid_until).asc(), col(Need.id)),
        "updated": (col(Need.updated_at).desc(), col(Need.id).desc()),
    }
    ranked = rank_order(model=Need, filters=filters) if order == "relevance" else None
    chosen = ranked or orders.get(order, orders["newest"])
    return page_of(session=session, stmt=stmt, order=chosen, offset=offset, limit=limit)


def get_for_api(*, session: Session, need_id: int) -> Need:
    """A need by id regardless of visibility (internal use: matching, pairings)."""
    need = session.get(Need, need_id)
    if need is None:
        raise NotFound("需求不存在")
    return need
