"""The rules a posting's lifecycle checks: who may change it, what is still valid, what waits for
review, which decisions need a reason, and what the owner is told.

`lifecycle` moves postings between statuses; these checks are shared with the services and pages
that only ask (may this user edit? has this need expired?) and never move anything.
"""

from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlmodel import Session, select

from backend.accounts.models import User
from backend.config import get_settings
from backend.db import utcnow
from backend.errors import Conflict, InvalidInput, NotFound, NotPermitted
from backend.errors.messages import invalid
from backend.postings.disclosure import pairing_table
from backend.postings.kinds import P, Posting, kind_of
from backend.postings.need_model import Need
from backend.vocab import PostingStatus, Role


def can_edit(*, item: Posting, user: User) -> bool:
    """Operators edit everything; an owner-role user edits their organisation's postings."""
    if user.role == Role.operator:
        return True
    return user.role == kind_of(item).owner_role and item.organisation_id == user.organisation_id


def ensure_editable(*, item: Posting, user: User) -> None:
    """Raise NotPermitted unless `user` may change `item`."""
    if not can_edit(item=item, user=user):
        raise NotPermitted(f"您无权修改此{kind_of(item).label}")


def validated(schema: type[BaseModel], data: Any) -> Any:
    """`data` validated against `schema`, or InvalidInput with Chinese field messages."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc) from exc


def expired(valid_until: date | None) -> bool:
    """The expiry rule, the one place it is written: a posting valid until today has expired."""
    return valid_until is not None and valid_until <= utcnow().date()


def check_future(valid_until: date | None) -> None:
    """Refuse an 有效期 that is not after today, as a field error."""
    if expired(valid_until):
        raise InvalidInput(
            "有效期至：须晚于今天",
            detail=[{"field": "valid_until", "label": "有效期至", "message": "须晚于今天"}],
        )


def check_still_valid(item: Posting) -> None:
    # A need can expire while it waits for review; publishing it would list a stale need.
    if isinstance(item, Need) and expired(item.valid_until):
        raise Conflict(f"该需求有效期已于 {item.valid_until} 届满，请退回企业更新有效期后再发布")


def outcome(*, item: Posting) -> str:
    """What the owner is told after saving or publishing, by the status it ended in."""
    label = kind_of(item).label
    status = PostingStatus(item.status)
    if status == PostingStatus.published:
        return f"{label}已发布，平台将为其推荐匹配"
    if status == PostingStatus.pending:
        return f"{label}已提交审核，平台运营审核通过后即公开展示并参与匹配"
    if status == PostingStatus.returned:
        return "修改已保存；修改完成后请重新提交审核"
    return "草稿已保存，确认无误后可提交发布"


def needs_review(user: User) -> bool:
    """Whether what `user` publishes waits for an operator's review first."""
    return get_settings().review_postings and user.role != Role.operator


def require_operator(user: User) -> None:
    """Only operators review postings."""
    if user.role != Role.operator:
        raise NotPermitted("仅平台运营可以审核")


def require_note(note: str, what: str = "原因") -> None:
    """A decision that the owner must understand needs its reason written (请填写`what`)."""
    if not note.strip():
        raise InvalidInput(
            f"请填写{what}", detail=[{"field": "note", "label": "原因", "message": "请填写原因"}]
        )


def has_pairings(*, session: Session, item: Posting) -> bool:
    """Whether any pairing, in any status, refers to this posting."""
    column = pairing_table.c.need_id if isinstance(item, Need) else pairing_table.c.result_id
    return session.exec(select(pairing_table.c.id).where(column == item.id)).first() is not None


def get_or_404(*, session: Session, model: type[P], item_id: int) -> P:
    """The posting with this id, whatever its status, or NotFound."""
    item = session.get(model, item_id)
    if item is None:
        raise NotFound(f"{'需求' if model is Need else '成果'}不存在或已删除")
    return item
