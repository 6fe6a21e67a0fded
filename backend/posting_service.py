"""Lifecycle shared by needs and results: create, edit, publish, close, delete, list.

Needs and results differ in fields and owners' roles, not in lifecycle, so the
domain services (`needs.service`, `results.service`) are thin typed wrappers over this.
"""

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import update as sa_update
from sqlmodel import Session, SQLModel

from backend.accounts.models import User
from backend.audit.service import record
from backend.config import get_settings
from backend.db import utcnow
from backend.errors import Conflict, InvalidInput, NotFound, NotPermitted
from backend.matching.hooks import queue_index_update
from backend.notifications.service import notify
from backend.validation import invalid
from backend.vocab import PostingStatus, Role

T = TypeVar("T", bound=SQLModel)


@dataclass(frozen=True)
class Kind:
    """What distinguishes the two kinds of posting."""

    name: str  # "need" | "result"
    label: str  # 需求 | 成果
    owner_role: Role
    text_columns: tuple[str, ...]
    trl_column: str


class CloseRequest(BaseModel):
    """Why a posting is closed (required when an operator takes down someone else's)."""

    note: str = Field(default="", max_length=500)


def can_edit(*, kind: Kind, item: Any, user: User) -> bool:
    """Operators edit everything; an owner-role user edits their organisation's postings."""
    if user.role == Role.operator:
        return True
    return bool(user.role == kind.owner_role and item.organisation_id == user.organisation_id)


def ensure_editable(*, kind: Kind, item: Any, user: User) -> None:
    """Raise NotPermitted unless `user` may change `item`."""
    if not can_edit(kind=kind, item=item, user=user):
        raise NotPermitted(f"您无权修改此{kind.label}")


def validated(schema: type[BaseModel], data: Any) -> Any:
    """`data` validated against `schema`, or InvalidInput with Chinese field messages."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc) from exc


def outcome(*, kind: Kind, item: Any) -> str:
    """What the owner is told after saving or publishing, by the status it ended in."""
    status = PostingStatus(item.status)
    if status == PostingStatus.published:
        return f"{kind.label}已发布，平台将为其推荐匹配"
    if status == PostingStatus.pending:
        return f"{kind.label}已提交审核，平台运营审核通过后即公开展示并参与匹配"
    if status == PostingStatus.returned:
        return "修改已保存；修改完成后请重新提交审核"
    return "草稿已保存，确认无误后可提交发布"


def needs_review(user: User) -> bool:
    """Whether what `user` publishes waits for an operator's review first."""
    return get_settings().review_postings and user.role != Role.operator


def _listed_status(user: User) -> PostingStatus:
    return PostingStatus.pending if needs_review(user) else PostingStatus.published


def _move(session: Session, kind: Kind, item: Any, expected: PostingStatus, to: PostingStatus) -> None:
    """Change status only if it is still `expected` (compare-and-set): of two people deciding
    the same posting at once, exactly one wins."""
    model = type(item)
    done = session.execute(
        sa_update(model).where(model.id == item.id, model.status == expected).values(status=to)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(item)
        current = PostingStatus(item.status).label
        raise Conflict(f"该{kind.label}已被他人处理（当前：{current}），请刷新页面")
    session.refresh(item)
    _set_status(item, to)


def _set_status(posting: Any, to: PostingStatus) -> None:
    now = utcnow()
    posting.status = to
    posting.updated_at = now
    if to == PostingStatus.published:
        posting.published_at = now
    if to == PostingStatus.closed:
        posting.closed_at = now


def _audit(session: Session, kind: Kind, posting: Any, user: User, action: str, summary: str = "") -> None:
    record(
        session=session, actor=user, action=action, entity=kind.name, entity_id=posting.id, summary=summary
    )
    queue_index_update(session=session, side=kind.name, item_id=posting.id)


def create(*, session: Session, kind: Kind, model: type[T], data: BaseModel, user: User, publish: bool) -> T:
    """Store a new posting owned by `user`'s organisation: a draft, or submitted for publication."""
    if user.role not in (kind.owner_role, Role.operator):
        raise NotPermitted(f"当前账号不能发布{kind.label}")
    item = model.model_validate(data, update={"organisation_id": user.organisation_id, "owner_id": user.id})
    posting: Any = item
    _set_status(posting, _listed_status(user) if publish else PostingStatus.draft)
    session.add(item)
    session.flush()
    _audit(session, kind, posting, user, "create", posting.title)
    if publish:
        _audit(
            session, kind, posting, user, "publish" if posting.status == PostingStatus.published else "submit"
        )
    return item


def update(
    *, session: Session, kind: Kind, item: T, base: type[BaseModel], changes: BaseModel, user: User
) -> T:
    """Apply a partial edit, validated whole first; an edited listing goes back to review."""
    ensure_editable(kind=kind, item=item, user=user)
    posting: Any = item
    if posting.status == PostingStatus.closed:
        raise Conflict(f"{kind.label}已关闭，不能再修改")
    patch = changes.model_dump(exclude_unset=True)
    merged = {name: getattr(item, name) for name in base.model_fields} | patch
    clean = validated(base, merged)
    for name in patch:
        setattr(item, name, getattr(clean, name))
    posting.updated_at = utcnow()
    resubmitted = posting.status == PostingStatus.published and needs_review(user) and bool(patch)
    if resubmitted:
        _set_status(posting, PostingStatus.pending)
    session.add(item)
    session.flush()
    _audit(session, kind, posting, user, "edit", "、".join(sorted(patch))[:500])
    if resubmitted:
        _audit(session, kind, posting, user, "submit", "修改后重新提交审核")
    return item


def publish(*, session: Session, kind: Kind, item: T, user: User) -> T:
    """The owner's 发布: a draft or returned posting is submitted (operators publish at once)."""
    ensure_editable(kind=kind, item=item, user=user)
    posting: Any = item
    current = PostingStatus(posting.status)
    if current == PostingStatus.pending and user.role == Role.operator:
        return approve(session=session, kind=kind, item=item, operator=user)
    if current not in (PostingStatus.draft, PostingStatus.returned):
        raise Conflict(f"{kind.label}当前为“{current.label}”，不能再次发布")
    _set_status(posting, _listed_status(user))
    session.add(item)
    session.flush()
    _audit(session, kind, posting, user, "publish" if posting.status == PostingStatus.published else "submit")
    return item


def _tell_owner(session: Session, kind: Kind, posting: Any, title: str, body: str = "") -> None:
    owner = session.get(User, posting.owner_id)
    if owner is not None:
        notify(
            session=session,
            users=[owner],
            kind="posting_reviewed",
            title=title,
            body=body,
            link=f"/{kind.name}s/{posting.id}",
        )


def _require_operator(user: User) -> None:
    if user.role != Role.operator:
        raise NotPermitted("仅平台运营可以审核")


def _review(posting: Any, note: str) -> None:
    posting.review_note = note.strip()[:500]
    posting.reviewed_at = utcnow()


def approve(*, session: Session, kind: Kind, item: T, operator: User) -> T:
    """An operator publishes a posting waiting for review."""
    _require_operator(operator)
    posting: Any = item
    if posting.status != PostingStatus.pending:
        raise Conflict(f"该{kind.label}不在待审核状态（当前：{PostingStatus(posting.status).label}）")
    valid_until = getattr(posting, "valid_until", None)
    if valid_until is not None and valid_until <= utcnow().date():
        raise Conflict(f"有效期已于 {valid_until} 届满，请退回企业更新有效期后再发布")
    _move(session, kind, posting, PostingStatus.pending, PostingStatus.published)
    _review(posting, "")
    session.add(item)
    session.flush()
    _audit(session, kind, posting, operator, "approve")
    _tell_owner(session, kind, posting, f"您的{kind.label}“{posting.title}”已通过审核并发布")
    return item


def send_back(*, session: Session, kind: Kind, item: T, operator: User, note: str) -> T:
    """An operator returns a posting to its owner with the reason the owner will see."""
    _require_operator(operator)
    posting: Any = item
    if posting.status != PostingStatus.pending:
        raise Conflict(f"该{kind.label}不在待审核状态（当前：{PostingStatus(posting.status).label}）")
    _require_note(note)
    _move(session, kind, posting, PostingStatus.pending, PostingStatus.returned)
    _review(posting, note)
    session.add(item)
    session.flush()
    _audit(session, kind, posting, operator, "return", note)
    _tell_owner(session, kind, posting, f"您的{kind.label}“{posting.title}”被退回修改", f"退回原因：{note}")
    return item


def close(*, session: Session, kind: Kind, item: T, user: User, note: str = "") -> T:
    """Close a posting: the owner closes it; an operator takes a listing down, with a reason."""
    ensure_editable(kind=kind, item=item, user=user)
    posting: Any = item
    if posting.status == PostingStatus.closed:
        raise Conflict(f"{kind.label}已是“已关闭”状态")
    taken_down = user.role == Role.operator and posting.organisation_id != user.organisation_id
    if taken_down:
        _require_note(note)
    _move(session, kind, posting, PostingStatus(posting.status), PostingStatus.closed)
    if taken_down:
        _review(posting, note)
    session.add(item)
    session.flush()
    _audit(session, kind, posting, user, "take_down" if taken_down else "close", note)
    if taken_down:
        _tell_owner(
            session, kind, posting, f"您的{kind.label}“{posting.title}”已被平台下架", f"下架原因：{note}"
        )
    return item


def _require_note(note: str) -> None:
    if not note.strip():
        raise InvalidInput("请填写原因", detail=[{"field": "note", "label": "原因", "message": "请填写原因"}])


def delete(*, session: Session, kind: Kind, item: Any, user: User, has_pairings: bool) -> None:
    """Delete a posting that no pairing refers to (otherwise it must be closed)."""
    ensure_editable(kind=kind, item=item, user=user)
    if has_pairings:
        raise Conflict(f"该{kind.label}已有对接记录，不能删除，请改为关闭")
    item_id: int = item.id
    session.delete(item)
    session.flush()
    record(
        session=session,
        actor=user,
        action="delete",
        entity=kind.name,
        entity_id=item_id,
        summary=getattr(item, "title", ""),
    )
    queue_index_update(session=session, side=kind.name, item_id=item_id)


def get_or_404(*, session: Session, kind: Kind, model: type[T], item_id: int) -> T:
    """The posting with this id, or NotFound."""
    item = session.get(model, item_id)
    if item is None:
        raise NotFound(f"{kind.label}不存在或已删除")
    return item
