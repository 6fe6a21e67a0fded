"""The posting review desk: what waits for an operator, recent decisions, and the decisions.

The lifecycle itself (statuses, audit, index, the owner's notice) is `postings.lifecycle`'s; this
module adds what an operator needs around it: the queue, oldest submission first, with how long
each has waited, and the last decisions read back from the audit trail.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from backend.accounts.models import Organisation, User
from backend.audit.models import AuditEntry
from backend.db import utcnow
from backend.errors import Conflict, InvalidInput, NotFound
from backend.postings import lifecycle as lc
from backend.postings import rules
from backend.postings.kinds import KINDS, Kind, Posting
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.timefmt import as_utc, show_time
from backend.vocab import Confidentiality, LabelledEnum, PostingStatus, TechField

QUEUE_LIMIT = 200  # per kind; a longer queue is a staffing problem, not a paging one
RECENT = 20
OVERDUE_HOURS = 48  # what the queue flags as waiting too long
EXCERPT = 80
NOTE_MAX = 500  # the posting's review_note column


class Decision(LabelledEnum):
    """An operator's review decision, as the audit trail names it."""

    approve = "approve"
    send_back = "return"
    take_down = "take_down"

    @property
    def label(self) -> str:
        return {"approve": "通过发布", "return": "退回修改", "take_down": "下架"}[self.value]


SIDES = KINDS


class StaleReview(Conflict):
    """The posting was edited after the operator read it (or the decision named no version)."""


@dataclass(frozen=True)
class QueueRow:
    """One posting waiting for review."""

    kind: str  # "need" | "result"
    kind_label: str  # 需求 | 成果
    id: int
    title: str
    field: TechField
    organisation: str
    confidentiality: Confidentiality | None  # needs only
    excerpt: str
    version: int  # what a decision taken from this row names
    submitted_at: datetime
    waited: str  # 等待 3 小时
    overdue: bool

    @property
    def url(self) -> str:
        return f"/{self.kind}s/{self.id}"

    @property
    def submitted_text(self) -> str:
        return show_time(self.submitted_at)


@dataclass(frozen=True)
class DecisionRow:
    """One review decision from the audit trail."""

    at: datetime
    decision: Decision
    kind: str
    kind_label: str
    item_id: int
    title: str | None  # None once the posting has been deleted
    actor: str
    note: str

    @property
    def url(self) -> str | None:
        return f"/{self.kind}s/{self.item_id}" if self.title is not None else None

    @property
    def at_text(self) -> str:
        return show_time(self.at)


def side(kind: str) -> Kind[Need] | Kind[Result]:
    """The need or result side named in a URL, or NotFound."""
    found = SIDES.get(kind)
    if found is None:
        raise NotFound("审核对象不存在")
    return found


def waited_label(since: datetime, now: datetime) -> str:
    """How long a posting has waited, in the words an operator reads: 等待 3 小时."""
    minutes = int((as_utc(now) - as_utc(since)).total_seconds() // 60)
    if minutes < 1:
        return "刚刚提交"
    if minutes < 60:
        return f"等待 {minutes} 分钟"
    if minutes < 24 * 60:
        return f"等待 {minutes // 60} 小时"
    return f"等待 {minutes // (24 * 60)} 天"


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[:EXCERPT] + "…"


def _pending(session: Session, name: str, now: datetime) -> list[QueueRow]:
    s = side(name)
    m: Any = s.model
    # The latest submission is what the current 待审核 stems from (an edit re-submits).
    submitted = (
        select(col(AuditEntry.entity_id).label("item_id"), func.max(AuditEntry.created_at).label("at"))
        .where(AuditEntry.entity == name, AuditEntry.action == "submit")
        .group_by(col(AuditEntry.entity_id))
        .subquery()
    )
    since = func.coalesce(submitted.c.at, m.updated_at)
    stmt = (
        select(m, Organisation.name, since)
        .join(Organisation, col(Organisation.id) == m.organisation_id)
        .outerjoin(submitted, submitted.c.item_id == m.id)
        .where(m.status == PostingStatus.pending)
        .order_by(since, m.id)
        .limit(QUEUE_LIMIT)
    )
    rows = []
    for item, org_name, at in session.exec(stmt):
        waited_hours = (as_utc(now) - as_utc(at)).total_seconds() / 3600
        rows.append(
            QueueRow(
                kind=name,
                kind_label=s.label,
                id=item.id,
                title=item.title,
                field=TechField(item.field),
                organisation=org_name,
                confidentiality=Confidentiality(item.confidentiality) if name == "need" else None,
                excerpt=_excerpt(getattr(item, s.excerpt_column)),
                version=item.version,
                submitted_at=as_utc(at),
                waited=waited_label(at, now),
                overdue=waited_hours >= OVERDUE_HOURS,
            )
        )
    return rows


def queue(*, session: Session, kind: str | None = None) -> list[QueueRow]:
    """Pending needs and/or results, the longest-waiting first."""
    now = utcnow()
    if kind:
        side(kind)  # NotFound for an unknown kind
    names = [kind] if kind else list(SIDES)
    rows = [row for name in names for row in _pending(session, name, now)]
    return sorted(rows, key=lambda r: (r.submitted_at, r.kind, r.id))


def counts(*, session: Session) -> dict[str, int]:
    """How many needs and results wait for review, and both together."""
    found = {
        name: int(
            session.exec(
                select(func.count()).select_from(s.model).where(col(s.model.status) == PostingStatus.pending)
            ).one()
        )
        for name, s in SIDES.items()
    }
    return found | {"all": sum(found.values())}


def recent_decisions(*, session: Session, limit: int = RECENT) -> list[DecisionRow]:
    """The latest review decisions (approve, return, take-down), newest first."""
    stmt = (
        select(AuditEntry, User.name)
        .outerjoin(User, col(User.id) == AuditEntry.actor_id)
        .where(
            col(AuditEntry.action).in_([d.value for d in Decision]),
            col(AuditEntry.entity).in_(list(SIDES)),
        )
        .order_by(col(AuditEntry.created_at).desc(), col(AuditEntry.id).desc())
        .limit(limit)
    )
    entries = list(session.exec(stmt))
    titles: dict[tuple[str, int], str] = {}
    for name, s in SIDES.items():
        ids = {e.entity_id for e, _ in entries if e.entity == name}
        if ids:
            m: Any = s.model
            for item_id, title in session.exec(select(m.id, m.title).where(m.id.in_(ids))):
                titles[(name, item_id)] = title
    return [
        DecisionRow(
            at=as_utc(e.created_at),
            decision=Decision(e.action),
            kind=e.entity,
            kind_label=SIDES[e.entity].label,
            item_id=e.entity_id,
            title=titles.get((e.entity, e.entity_id)),
            actor=actor or "（已删除的账号）",
            note=e.summary,
        )
        for e, actor in entries
    ]


def get_posting(*, session: Session, kind: str, item_id: int) -> Posting:
    """The need or result under review, whatever its status, or NotFound."""
    model: type[Need] | type[Result] = side(kind).model
    return rules.get_or_404(session=session, model=model, item_id=item_id)


def check_version(*, item: Posting, kind: str, version: int | None) -> None:
    """StaleReview unless the posting is still the version the operator read."""
    label = side(kind).label
    if version is None:
        raise StaleReview(f"审核请求未注明您阅读的{label}版本，请阅读下面的最新内容后再审核")
    if version != item.version:
        raise StaleReview(
            f"“{item.title}”在您阅读后已被发布方修改（您阅读的是第 {version} 版，现为第 {item.version} 版），"
            "本次审核未生效，请阅读最新内容后重新审核"
        )


def decide(
    *,
    session: Session,
    kind: str,
    item_id: int,
    operator: User,
    decision: Decision,
    note: str = "",
    version: int | None = None,
) -> Posting:
    """Apply one review decision; Conflict if the posting is no longer in a state that allows it.

    Approving and returning name the `version` the operator read: StaleReview (409) if the owner
    has edited since, so an edit made after the reading is never published unreviewed."""
    s = side(kind)
    rules.require_operator(operator)
    if len(note.strip()) > NOTE_MAX:
        raise InvalidInput(
            f"原因不能超过 {NOTE_MAX} 字",
            detail=[{"field": "note", "label": "原因", "message": f"不能超过 {NOTE_MAX} 字"}],
        )
    item = get_posting(session=session, kind=kind, item_id=item_id)
    if decision in (Decision.approve, Decision.send_back) and item.status == PostingStatus.pending:
        check_version(item=item, kind=kind, version=version)
    if decision == Decision.approve:
        return lc.approve(session=session, item=item, operator=operator, version=version)
    if decision == Decision.send_back:
        return lc.send_back(session=session, item=item, operator=operator, note=note, version=version)
    if item.status != PostingStatus.published:
        current = PostingStatus(item.status).label
        raise Conflict(f"该{s.label}未在发布中（当前：{current}），不能下架")
    rules.require_note(note, "下架原因")
    return lc.close(session=session, item=item, user=operator, note=note)
