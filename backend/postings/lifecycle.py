"""The posting lifecycle: create, edit, submit, review, close and delete.

Needs and results differ in fields and owners' roles, not in lifecycle: every status change of
either kind happens here, audited and marked for the index in the same transaction. The checks
these transitions make (who may edit, expiry, which decisions need a reason) are `rules`'.
"""

from typing import cast

from pydantic import BaseModel, Field
from sqlalchemy import update as sa_update
from sqlmodel import Session, col

from backend.accounts.models import User
from backend.accounts.verification import require_verified
from backend.audit.service import record
from backend.db import utcnow
from backend.errors import Conflict, NotPermitted
from backend.notifications.service import notify
from backend.postings.changes import mark_changed
from backend.postings.display import posting_label
from backend.postings.kinds import P, Posting, kind_of
from backend.postings.rules import (
    check_still_valid,
    ensure_editable,
    has_pairings,
    needs_review,
    require_note,
    require_operator,
    validated,
)
from backend.vocab import PostingStatus, Role


class CloseRequest(BaseModel):
    """Why a posting is closed (required when an operator takes down someone else's)."""

    note: str = Field(default="", max_length=500)


def _listed_status(user: User) -> PostingStatus:
    return PostingStatus.pending if needs_review(user) else PostingStatus.published


def _move(
    session: Session, item: Posting, expected: PostingStatus, to: PostingStatus, version: int | None = None
) -> None:
    """Change status only if it is still `expected` (and the content still `version`), compare-and-set:
    of two people deciding the same posting at once, or a decision and an edit, exactly one wins."""
    model = type(item)
    same = [col(model.id) == item.id, col(model.status) == expected]
    if version is not None:
        same.append(col(model.version) == version)
    done = session.execute(sa_update(model).where(*same).values(status=to))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(item)
        current = PostingStatus(item.status).label
        raise Conflict(f"该{kind_of(item).label}已被他人处理（当前：{current}），请刷新页面")
    session.refresh(item)
    _set_status(item, to)


def _set_status(posting: Posting, to: PostingStatus) -> None:
    now = utcnow()
    posting.status = to
    posting.updated_at = now
    if to == PostingStatus.published:
        posting.published_at = now
    if to == PostingStatus.closed:
        posting.closed_at = now


def _audit(session: Session, posting: Posting, user: User, action: str, summary: str = "") -> None:
    assert posting.id is not None
    kind = kind_of(posting)
    record(
        session=session, actor=user, action=action, entity=kind.name, entity_id=posting.id, summary=summary
    )
    mark_changed(session=session, side=kind.name, item_id=posting.id)


def create(*, session: Session, model: type[P], data: BaseModel, user: User, publish: bool) -> P:
    """Store a new posting owned by `user`'s organisation: a draft, or submitted for publication."""
    owned = {"organisation_id": user.organisation_id, "owner_id": user.id}
    item: P = cast(P, model.model_validate(data, update=owned))
    kind = kind_of(item)
    if user.role not in (kind.owner_role, Role.operator):
        raise NotPermitted(f"当前账号不能发布{kind.label}")
    if publish:
        require_verified(user)  # a draft needs no verified email; submitting one does
    _set_status(item, _listed_status(user) if publish else PostingStatus.draft)
    session.add(item)
    session.flush()
    _audit(session, item, user, "create", item.title)
    if publish:
        _audit(session, item, user, "publish" if item.status == PostingStatus.published else "submit")
    return item


def update(*, session: Session, item: P, base: type[BaseModel], changes: BaseModel, user: User) -> P:
    """Apply a partial edit, validated whole first; an edited listing goes back to review."""
    ensure_editable(item=item, user=user)
    if item.status == PostingStatus.closed:
        raise Conflict(f"{kind_of(item).label}已关闭，不能再修改")
    patch = changes.model_dump(exclude_unset=True)
    merged = {name: getattr(item, name) for name in base.model_fields} | patch
    clean = validated(base, merged)
    if item.status == PostingStatus.published and needs_review(user) and patch:
        require_verified(user)  # the edit submits the listing again: refused before any write
    for name in patch:
        setattr(item, name, getattr(clean, name))
    item.updated_at = utcnow()
    if patch:
        item.version += 1
    resubmitted = item.status == PostingStatus.published and needs_review(user) and bool(patch)
    if resubmitted:
        _set_status(item, PostingStatus.pending)
    session.add(item)
    session.flush()
    _audit(session, item, user, "edit", "、".join(sorted(patch))[:500])
    if resubmitted:
        _audit(session, item, user, "submit", "修改后重新提交审核")
    return item


def publish(*, session: Session, item: P, user: User) -> P:
    """The owner's 发布: a draft or returned posting is submitted (operators publish at once)."""
    ensure_editable(item=item, user=user)
    current = PostingStatus(item.status)
    if current == PostingStatus.pending and user.role == Role.operator:
        return approve(session=session, item=item, operator=user)
    if current not in (PostingStatus.draft, PostingStatus.returned):
        raise Conflict(f"{kind_of(item).label}当前为“{current.label}”，不能再次发布")
    require_verified(user)
    _set_status(item, _listed_status(user))
    session.add(item)
    session.flush()
    _audit(session, item, user, "publish" if item.status == PostingStatus.published else "submit")
    return item


def _tell_owner(session: Session, posting: Posting, title: str, body: str = "") -> None:
    """Notify the owner; `title` has `{posting}` where the posting is named (as the owner may read it)."""
    owner = session.get(User, posting.owner_id)
    if owner is not None:
        named = posting_label(session=session, posting=posting, viewer=owner)
        notify(
            session=session,
            users=[owner],
            kind="posting_reviewed",
            title=title.format(posting=named),
            body=body,
            link=f"{kind_of(posting).path}/{posting.id}",
        )


def _review(posting: Posting, note: str) -> None:
    posting.review_note = note.strip()[:500]
    posting.reviewed_at = utcnow()


def _require_pending(item: Posting) -> None:
    if item.status != PostingStatus.pending:
        current = PostingStatus(item.status).label
        raise Conflict(f"该{kind_of(item).label}不在待审核状态（当前：{current}）")


def approve(*, session: Session, item: P, operator: User, version: int | None = None) -> P:
    """An operator publishes a posting waiting for review (still at `version`, when one is named)."""
    require_operator(operator)
    _require_pending(item)
    check_still_valid(item)
    _move(session, item, PostingStatus.pending, PostingStatus.published, version)
    _review(item, "")
    session.add(item)
    session.flush()
    _audit(session, item, operator, "approve")
    _tell_owner(session, item, f"您的{kind_of(item).label}{{posting}}已通过审核并发布")
    return item


def send_back(*, session: Session, item: P, operator: User, note: str, version: int | None = None) -> P:
    """An operator returns a posting to its owner with the reason the owner will see."""
    require_operator(operator)
    _require_pending(item)
    require_note(note)
    _move(session, item, PostingStatus.pending, PostingStatus.returned, version)
    _review(item, note)
    session.add(item)
    session.flush()
    _audit(session, item, operator, "return", note)
    label = kind_of(item).label
    _tell_owner(session, item, f"您的{label}{{posting}}被退回修改", f"退回原因：{note}")
    return item


def close(*, session: Session, item: P, user: User, note: str = "") -> P:
    """Close a posting: the owner closes it; an operator takes a listing down, with a reason."""
    ensure_editable(item=item, user=user)
    label = kind_of(item).label
    if item.status == PostingStatus.closed:
        raise Conflict(f"{label}已是“已关闭”状态")
    taken_down = user.role == Role.operator and item.organisation_id != user.organisation_id
    if taken_down:
        require_note(note)
    _move(session, item, PostingStatus(item.status), PostingStatus.closed)
    if taken_down:
        _review(item, note)
    session.add(item)
    session.flush()
    _audit(session, item, user, "take_down" if taken_down else "close", note)
    if taken_down:
        _tell_owner(session, item, f"您的{label}{{posting}}已被平台下架", f"下架原因：{note}")
    return item


def delete(*, session: Session, item: Posting, user: User) -> None:
    """Delete a posting that no pairing refers to (otherwise it must be closed)."""
    ensure_editable(item=item, user=user)
    kind = kind_of(item)
    if has_pairings(session=session, item=item):
        raise Conflict(f"该{kind.label}已有对接记录，不能删除，请改为关闭")
    assert item.id is not None
    item_id, title = item.id, item.title
    session.delete(item)
    session.flush()
    record(session=session, actor=user, action="delete", entity=kind.name, entity_id=item_id, summary=title)
    mark_changed(session=session, side=kind.name, item_id=item_id)
