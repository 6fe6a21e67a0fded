"""Lifecycle shared by needs and results: create, edit, publish, close, delete, list.

Needs and results differ in fields and owners' roles, not in lifecycle, so the
domain services (`needs.service`, `results.service`) are thin typed wrappers over this.
"""

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import String, cast, or_
from sqlmodel import Session, SQLModel, col, func, select

from backend.accounts.models import User
from backend.audit.service import record
from backend.db import utcnow
from backend.errors import Conflict, NotFound, NotPermitted
from backend.matching.hooks import queue_index_update
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


@dataclass
class ListFilters:
    """Filters of a posting list; None means 'any'."""

    field: str | None = None
    region: str | None = None
    trl_min: int | None = None
    trl_max: int | None = None
    mode: str | None = None
    status: str | None = None
    text: str | None = None
    organisation_id: int | None = None


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


def create(*, session: Session, kind: Kind, model: type[T], data: BaseModel, user: User, publish: bool) -> T:
    """Store a new posting owned by `user`'s organisation, as draft or published."""
    if user.role not in (kind.owner_role, Role.operator):
        raise NotPermitted(f"当前账号不能发布{kind.label}")
    now = utcnow()
    status = PostingStatus.published if publish else PostingStatus.draft
    item = model.model_validate(
        data,
        update={
            "organisation_id": user.organisation_id,
            "owner_id": user.id,
            "status": status,
            "published_at": now if publish else None,
        },
    )
    session.add(item)
    session.flush()
    item_id: int = item.id  # type: ignore[attr-defined]
    record(
        session=session,
        actor=user,
        action="create",
        entity=kind.name,
        entity_id=item_id,
        summary=getattr(item, "title", ""),
    )
    if publish:
        record(session=session, actor=user, action="publish", entity=kind.name, entity_id=item_id)
    queue_index_update(session=session, side=kind.name, item_id=item_id)
    return item


def update(
    *, session: Session, kind: Kind, item: T, base: type[BaseModel], changes: BaseModel, user: User
) -> T:
    """Apply a partial edit; the merged record is validated whole before anything is written."""
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
    session.add(item)
    session.flush()
    item_id: int = posting.id
    record(
        session=session,
        actor=user,
        action="edit",
        entity=kind.name,
        entity_id=item_id,
        summary="、".join(sorted(patch))[:500],
    )
    queue_index_update(session=session, side=kind.name, item_id=item_id)
    return item


def transition(*, session: Session, kind: Kind, item: T, user: User, to: PostingStatus) -> T:
    """Publish or close a posting."""
    ensure_editable(kind=kind, item=item, user=user)
    posting: Any = item
    current = posting.status
    if current == to:
        raise Conflict(f"{kind.label}已是“{to.label}”状态")
    if current == PostingStatus.closed:
        raise Conflict(f"{kind.label}已关闭，不能再发布")
    now = utcnow()
    posting.status = to
    posting.updated_at = now
    if to == PostingStatus.published:
        posting.published_at = now
    if to == PostingStatus.closed:
        posting.closed_at = now
    session.add(item)
    session.flush()
    item_id: int = posting.id
    action = "publish" if to == PostingStatus.published else "close"
    record(session=session, actor=user, action=action, entity=kind.name, entity_id=item_id)
    queue_index_update(session=session, side=kind.name, item_id=item_id)
    return item


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


def filtered(*, model: type[T], kind: Kind, filters: ListFilters) -> Any:
    """A select over `model` narrowed by `filters` (visibility is the caller's job)."""
    m: Any = model
    stmt = select(model)
    if filters.field:
        stmt = stmt.where(m.field == filters.field)
    if filters.region:
        stmt = stmt.where(m.region == filters.region)
    trl = getattr(m, kind.trl_column)
    if filters.trl_min is not None:
        stmt = stmt.where(trl >= filters.trl_min)
    if filters.trl_max is not None:
        stmt = stmt.where(trl <= filters.trl_max)
    if filters.mode:
        # JSON containment differs across databases; the text form of the list is portable.
        stmt = stmt.where(cast(m.modes, String).like(f'%"{filters.mode}"%'))
    if filters.status:
        stmt = stmt.where(m.status == filters.status)
    if filters.organisation_id is not None:
        stmt = stmt.where(m.organisation_id == filters.organisation_id)
    if filters.text:
        words = [w for w in filters.text.split() if w][:5]
        for word in words:
            pattern = f"%{word}%"
            ors = [getattr(m, c).like(pattern) for c in kind.text_columns]
            ors.append(cast(m.keywords, String).like(pattern))
            stmt = stmt.where(or_(*ors))
    return stmt


def page_of(*, session: Session, stmt: Any, order: Any, offset: int, limit: int) -> tuple[list[Any], int]:
    """One page of a select and the total count."""
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = list(session.exec(stmt.order_by(*order).offset(offset).limit(limit)))
    return rows, int(total)


__all__ = ["Kind", "ListFilters", "can_edit", "col"]
