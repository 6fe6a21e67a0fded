"""The operators' pairing desk: the review queue, engine suggestions, and decisions with notices.

Every status change goes through `pairings.service.transition` (one event, compare-and-set on
`version`); this module adds what an operator needs around it: which pairings wait longest,
a decision that names the version the operator saw, batches where each decision stands alone,
and notifications to exactly the users a change concerns.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import case
from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.accounts.service import organisation_name
from backend.db import utcnow
from backend.errors import Conflict, DomainError, InvalidInput, NotFound
from backend.pairings import service as pairings
from backend.pairings.announce import announce
from backend.pairings.models import Pairing
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import Confidentiality, PairingStatus, Proposer, TechField

S = PairingStatus

# What the queue shows by default, in the order it needs attention.
ATTENTION: tuple[S, ...] = (S.pending_review, S.interested, S.approved, S.negotiating)
FILTERABLE: tuple[S, ...] = (S.pending_review, S.interested, S.suggested, S.approved, S.negotiating)
BATCH_TARGETS = frozenset({S.approved, S.rejected})
QUEUE_LIMIT = 200


def conflict_message(status: S) -> str:
    """What the operator who lost a race reads."""
    return f"该对接已被他人处理（当前状态：{status.label}），请刷新后再试"


def operator_actions(status: S | str) -> list[S]:
    """The statuses an operator may move a pairing in `status` to (from pairings.TRANSITIONS)."""
    current = S(status)
    return [to for (frm, to), roles in pairings.TRANSITIONS.items() if frm == current and "operator" in roles]


def waiting_label(since: datetime, now: datetime | None = None) -> str:
    """'等待 N 小时' under two days, else '等待 N 天'."""
    now = now or utcnow()
    if since.tzinfo is None:  # SQLite hands back naive UTC
        since = since.replace(tzinfo=UTC)
    hours = max(0, int((now - since).total_seconds() // 3600))
    if hours < 1:
        return "等待不足 1 小时"
    return f"等待 {hours} 小时" if hours < 48 else f"等待 {hours // 24} 天"


# --- the queue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    status: S | None = None
    field: TechField | None = None


@dataclass
class QueueItem:
    """One pairing as the queue shows it to an operator."""

    pairing: Pairing
    need: Need
    need_org: str
    result: Result
    result_org: str
    proposer: str
    waiting: str
    reasons_for: list[str]
    reasons_against: list[str]
    shared_terms: list[str]
    actions: list[S] = field(default_factory=list)

    @property
    def need_marker(self) -> str | None:
        """保密 / 脱敏 as a label, None for a public need."""
        level = Confidentiality(self.need.confidentiality)
        return None if level == Confidentiality.public else level.label


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _proposer(session: Session, pairing: Pairing) -> str:
    label = Proposer(pairing.proposed_by).label
    who = session.get(User, pairing.proposed_by_user_id) if pairing.proposed_by_user_id else None
    return f"{label} · {who.name}" if who else label


def queue(*, session: Session, filters: QueueFilters, limit: int = QUEUE_LIMIT) -> list[QueueItem]:
    """Pairings waiting for an operator: 待审核 first, then 意向, then follow-ups; oldest first."""
    statuses = (filters.status,) if filters.status else ATTENTION
    rank = case(
        {s.value: i for i, s in enumerate(ATTENTION)}, value=col(Pairing.status), else_=len(ATTENTION)
    )
    stmt = (
        select(Pairing, Need, Result)
        .join(Need, col(Need.id) == col(Pairing.need_id))
        .join(Result, col(Result.id) == col(Pairing.result_id))
        .where(col(Pairing.status).in_(statuses))
        .order_by(rank, col(Pairing.updated_at), col(Pairing.id))
        .limit(limit)
    )
    if filters.field:
        stmt = stmt.where((col(Need.field) == filters.field) | (col(Result.field) == filters.field))
    now = utcnow()
    items: list[QueueItem] = []
    for pairing, need, result in session.exec(stmt):
        ex = pairing.explanation or {}
        items.append(
            QueueItem(
                pairing=pairing,
                need=need,
                need_org=organisation_name(session=session, organisation_id=need.organisation_id),
                result=result,
                result_org=organisation_name(session=session, organisation_id=result.organisation_id),
                proposer=_proposer(session, pairing),
                waiting=waiting_label(pairing.updated_at, now),
                reasons_for=_strings(ex.get("reasons_for")),
                reasons_against=_strings(ex.get("reasons_against")),
                shared_terms=_strings(ex.get("shared_terms")),
                actions=operator_actions(pairing.status),
            )
        )
    return items


# --- decisions -------------------------------------------------------------------------------


def decide(
    *,
    session: Session,
    pairing_id: int,
    operator: User,
    to: S,
    note: str = "",
    version: int | None = None,
    contract_amount: float | None = None,
    signed_on: date | None = None,
) -> Pairing:
    """One operator decision on the version the operator saw; notifies whom it concerns."""
    pairing = session.get(Pairing, pairing_id)
    if pairing is None:
        raise NotFound("对接记录不存在")
    if version is not None and version != pairing.version:
        session.refresh(pairing)
        if version != pairing.version:
            raise Conflict(conflict_message(S(pairing.status)))
    if to == S.signed and (S(pairing.status), to) in pairings.TRANSITIONS:
        _check_contract(contract_amount, signed_on)
    pairings.transition(
        session=session,
        pairing=pairing,
        user=operator,
        to=to,
        note=note.strip(),
        expected_version=version,
        contract_amount=contract_amount,
        signed_on=signed_on,
    )
    announce(session, pairing, to, operator, note.strip())
    return pairing


MAX_CONTRACT = 1_000_000  # 万元: 100 billion yuan is beyond any technology contract


def _check_contract(amount: float | None, signed_on: date | None) -> None:
    errors: list[dict[str, str]] = []
    if amount is None:
        errors.append({"field": "contract_amount", "label": "合同金额", "message": "请填写合同金额（万元）"})
    elif not (0 < amount <= MAX_CONTRACT):
        errors.append(
            {
                "field": "contract_amount",
                "label": "合同金额",
                "message": "合同金额应大于 0 且不超过 1000000 万元",
            }
        )
    if signed_on is None:
        errors.append({"field": "signed_on", "label": "签约日期", "message": "请填写签约日期"})
    elif signed_on > utcnow().date() + timedelta(days=1):
        errors.append({"field": "signed_on", "label": "签约日期", "message": "签约日期不能晚于今天"})
    if errors:
        raise InvalidInput("；".join(e["message"] for e in errors), detail=errors)


@dataclass
class BatchOutcome:
    """What a batch did: each id decided, or skipped with the reason."""

    to: S
    done: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)

    def message(self) -> str:
        parts = [f"已{self.to.label.removeprefix('已')} {len(self.done)} 项"]
        if self.skipped:
            ids = "、".join(f"#{i}" for i, _ in self.skipped)
            parts.append(f"{len(self.skipped)} 项已被他人处理或无法变更，已跳过（{ids}）")
        return "；".join(parts)


def decide_batch(
    *,
    session: Session,
    ids: list[int],
    operator: User,
    to: S,
    note: str = "",
    versions: dict[int, int] | None = None,
) -> BatchOutcome:
    """Decide several pairings; each stands alone, so one already decided does not stop the rest."""
    if to not in BATCH_TARGETS:
        raise InvalidInput("批量操作只能批准或拒绝")
    if to in pairings.NEEDS_NOTE and not note.strip():
        raise InvalidInput("请填写原因", detail=[{"field": "note", "label": "原因", "message": "请填写原因"}])
    outcome = BatchOutcome(to=to)
    for pairing_id in dict.fromkeys(ids):  # each id once, in the order given
        try:
            with session.begin_nested():  # a refused one leaves no trace; the others stand
                decide(
                    session=session,
                    pairing_id=pairing_id,
                    operator=operator,
                    to=to,
                    note=note,
                    version=(versions or {}).get(pairing_id),
                )
        except DomainError as exc:
            outcome.skipped.append((pairing_id, exc.message))
        else:
            outcome.done.append(pairing_id)
    return outcome


# --- engine suggestions and operator proposals -----------------------------------------------
