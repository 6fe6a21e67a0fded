"""Duplicates at the review desk: the candidates of each queued posting, 以重复退回 and 合并.

以重复退回 is an ordinary send-back whose note names the existing posting; 合并 closes the new
posting as a duplicate of the existing one: the existing posting stays as it is (nothing is
copied into it), the new one leaves review closed, its owner is told which posting it duplicates,
and the audit trail keeps a `merge` entry naming both.
"""

from enum import StrEnum

from sqlmodel import Session

from backend.accounts.models import User
from backend.audit.service import record
from backend.errors import Conflict, NotFound
from backend.matching.duplicates import DuplicateLink, links
from backend.ops import reviews
from backend.ops.reviews import Decision, QueueRow
from backend.postings import lifecycle as lc
from backend.postings import rules
from backend.postings.kinds import Posting
from backend.vocab import PostingStatus

Key = tuple[str, int]


class DuplicateAction(StrEnum):
    """What an operator does with a posting that duplicates a published one."""

    send_back = "return-duplicate"  # 以重复退回
    merge = "merge"  # 合并


def for_queue(*, session: Session, rows: list[QueueRow], operator: User) -> dict[Key, list[DuplicateLink]]:
    """The stored duplicate candidates of each queued posting (operators may open them all)."""
    found = {
        (row.kind, row.id): links(session=session, side=row.kind, posting_id=row.id, viewer=operator)
        for row in rows
    }
    return {key: hits for key, hits in found.items() if hits}


def _existing(session: Session, kind: str, other_id: int, item: Posting) -> Posting:
    if other_id == item.id:
        raise Conflict("不能与自身合并")
    try:
        other = reviews.get_posting(session=session, kind=kind, item_id=other_id)
    except NotFound as exc:
        raise Conflict("所指的已有条目不存在或已删除，请刷新页面") from exc
    if other.status != PostingStatus.published:
        raise Conflict("所指的已有条目未在发布中，不能作为重复的依据")
    return other


def duplicate_note(*, kind: str, other: Posting) -> str:
    """What the owner reads when a posting is returned as a duplicate."""
    label = reviews.side(kind).label
    return (
        f"与平台已有{label}“{other.title}”（/{kind}s/{other.id}）重复。"
        f"如确属同一{label}，请直接关闭本条；如有不同，请在正文写明区别后重新提交"
    )


def send_back_as_duplicate(
    *, session: Session, kind: str, item_id: int, other_id: int, operator: User, version: int | None
) -> Posting:
    """以重复退回: return the posting with a note that names the posting it duplicates."""
    rules.require_operator(operator)
    item = reviews.get_posting(session=session, kind=kind, item_id=item_id)
    other = _existing(session, kind, other_id, item)
    note = duplicate_note(kind=kind, other=other)
    return reviews.decide(
        session=session,
        kind=kind,
        item_id=item_id,
        operator=operator,
        decision=Decision.send_back,
        note=note,
        version=version,
    )


def merge(
    *, session: Session, kind: str, item_id: int, into_id: int, operator: User, version: int | None
) -> Posting:
    """合并: close the pending posting as a duplicate of the published `into_id`, audited."""
    rules.require_operator(operator)
    item = reviews.get_posting(session=session, kind=kind, item_id=item_id)
    if item.status != PostingStatus.pending:
        current = PostingStatus(item.status).label
        raise Conflict(f"该{reviews.side(kind).label}不在待审核状态（当前：{current}）")
    reviews.check_version(item=item, kind=kind, version=version)
    other = _existing(session, kind, into_id, item)
    label = reviews.side(kind).label
    note = f"与平台已有{label}“{other.title}”（/{kind}s/{other.id}）重复，已合并：保留已有的一条，本条关闭"
    lc.close(session=session, item=item, user=operator, note=note[:500])
    record(
        session=session,
        actor=operator,
        action="merge",
        entity=kind,
        entity_id=item_id,
        summary=f"作为重复合并入{label} #{into_id}",
    )
    return item


def decide(
    *,
    session: Session,
    kind: str,
    item_id: int,
    other_id: int,
    operator: User,
    action: DuplicateAction,
    version: int | None,
) -> Posting:
    """以重复退回 or 合并 the posting against the published `other_id`: the pages' and the API's one way in."""
    if action == DuplicateAction.merge:
        return merge(
            session=session, kind=kind, item_id=item_id, into_id=other_id, operator=operator, version=version
        )
    return send_back_as_duplicate(
        session=session, kind=kind, item_id=item_id, other_id=other_id, operator=operator, version=version
    )
