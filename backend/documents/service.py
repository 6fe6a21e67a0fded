"""Attachments of postings: who may see, add and remove them, and the file that goes with each row.

A posting's attachments are seen by exactly those who may open the posting
(`postings.needs.can_view` / `postings.results.can_view`: a 保密 need's sheet only by its
organisation, operators and approved pairing parties); one marked 仅对接方可见 only by its insiders
(`is_insider`: the same people who see the contacts). Only the owner organisation's users of the
posting's side and operators add or remove files (`postings.rules.can_edit`).

The file and its row live and die together: a file written for a transaction that rolls back is
removed, and a removed row's file is deleted only once the removal is committed.
"""

import hashlib
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, func, select

from backend.accounts.models import User
from backend.audit.service import record
from backend.documents import storage
from backend.documents.files import MAX_FILES, check_content, clean_filename, refused
from backend.documents.models import Attachment, AttachmentPublic
from backend.errors import NotFound, NotPermitted
from backend.postings import either, needs, results
from backend.postings.kinds import KINDS, Posting
from backend.postings.need_model import Need
from backend.postings.rules import can_edit

_WRITTEN = "kematch_files_written"  # files to remove if the transaction rolls back
_DOOMED = "kematch_files_doomed"  # files to remove once the transaction commits


def get_posting(*, session: Session, side: str, posting_id: int, user: User | None) -> Posting:
    """The posting if `user` may open it; NotFound otherwise (a hidden need is not revealed)."""
    return either.get_visible(session=session, side=side, posting_id=posting_id, user=user)


def is_insider(*, session: Session, posting: Posting, user: User | None) -> bool:
    """Whether `user` sees the posting's contacts (and its 仅对接方可见 files)."""
    if isinstance(posting, Need):
        return needs.is_insider(session=session, need=posting, user=user)
    return results.is_insider(session=session, result=posting, user=user)


def listed(*, session: Session, posting: Posting, user: User | None) -> list[Attachment]:
    """The attachments of a posting `user` may open (the caller checked the posting itself)."""
    side = KINDS["need"].name if isinstance(posting, Need) else KINDS["result"].name
    rows = session.exec(
        select(Attachment)
        .where(Attachment.side == side, Attachment.posting_id == posting.id)
        .order_by(col(Attachment.id))
    ).all()
    if is_insider(session=session, posting=posting, user=user):
        return list(rows)
    return [a for a in rows if not a.parties_only]


def public(attachment: Attachment) -> AttachmentPublic:
    """An attachment as the API shows it."""
    return AttachmentPublic.model_validate(
        attachment.model_dump(warnings=False) | {"url": f"/attachments/{attachment.id}"}
    )


def upload(
    *,
    session: Session,
    side: str,
    posting_id: int,
    user: User,
    filename: str | None,
    data: bytes,
    parties_only: bool = False,
) -> Attachment:
    """Store a file for a posting of the user's organisation; nothing is kept if anything fails."""
    posting = get_posting(session=session, side=side, posting_id=posting_id, user=user)
    if not can_edit(item=posting, user=user):
        raise NotPermitted(f"只有发布该{KINDS[side].label}的单位和平台运营可以上传附件")
    count = session.exec(
        select(func.count()).where(Attachment.side == side, Attachment.posting_id == posting_id)
    ).one()
    if count >= MAX_FILES:
        raise refused(f"每条{KINDS[side].label}最多 {MAX_FILES} 个附件，请先删除不需要的附件")
    assert user.id is not None
    kind = check_content(side=side, data=data)
    shown = clean_filename(filename, kind)
    stored = storage.new_name(kind.extension)
    row = Attachment(
        side=side,
        posting_id=posting_id,
        filename=shown,
        stored_name=stored,
        content_type=kind.content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        parties_only=parties_only,
        uploaded_by=user.id,
    )
    storage.write(stored, data)
    session.info.setdefault(_WRITTEN, []).append(stored)
    session.add(row)
    session.flush()
    assert row.id is not None
    record(session=session, actor=user, action="attach", entity=side, entity_id=posting_id, summary=shown)
    return row


def _with_posting(session: Session, attachment_id: int, user: User | None) -> tuple[Attachment, Posting]:
    """The attachment and its posting, if `user` may open the posting; one NotFound for either
    missing, so a hidden posting's attachment answers exactly as a deleted one."""
    row = session.get(Attachment, attachment_id)
    if row is None:
        raise NotFound("附件不存在或已删除")
    try:
        posting = get_posting(session=session, side=row.side, posting_id=row.posting_id, user=user)
    except NotFound:
        raise NotFound("附件不存在或已删除") from None
    return row, posting


def get_readable(*, session: Session, attachment_id: int, user: User | None) -> Attachment:
    """The attachment if `user` may download it; NotFound exactly as for a missing one."""
    row, posting = _with_posting(session, attachment_id, user)
    if row.parties_only and not is_insider(session=session, posting=posting, user=user):
        raise NotFound("附件不存在或已删除")
    if not storage.exists(row.stored_name):
        raise NotFound("附件文件已丢失，请联系平台运营")
    return row


def delete(*, session: Session, attachment_id: int, user: User) -> Attachment:
    """Remove an attachment of the user's organisation's posting; the file goes after the commit."""
    row, posting = _with_posting(session, attachment_id, user)
    if not can_edit(item=posting, user=user):
        raise NotPermitted(f"只有发布该{KINDS[row.side].label}的单位和平台运营可以删除附件")
    forget(session=session, rows=[row])
    record(
        session=session,
        actor=user,
        action="detach",
        entity=row.side,
        entity_id=row.posting_id,
        summary=row.filename,
    )
    return row


def forget(*, session: Session, rows: list[Attachment]) -> None:
    """Delete rows now and their files once the transaction commits."""
    for row in rows:
        session.info.setdefault(_DOOMED, []).append(row.stored_name)
        session.delete(row)
    session.flush()


@event.listens_for(OrmSession, "after_commit")
def _after_commit(session: Any) -> None:
    session.info.pop(_WRITTEN, None)
    for name in session.info.pop(_DOOMED, []):
        storage.remove(name)


@event.listens_for(OrmSession, "after_soft_rollback")
def _after_rollback(session: Any, previous_transaction: Any) -> None:
    if previous_transaction.parent is not None:
        return  # an inner savepoint: the request's own transaction goes on
    session.info.pop(_DOOMED, None)
    for name in session.info.pop(_WRITTEN, []):
        storage.remove(name)
