"""Pairings: proposing one need with one result, and every transition to a signed deal.

A pairing's status only changes through `transition`, which writes a PairingEvent and
bumps `version` with a compare-and-set UPDATE, so two people deciding the same pairing
at once cannot both win, and a decided pairing never changes without a new event.
"""

from datetime import date
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.db import utcnow
from backend.errors import Conflict, InvalidInput, NotFound, NotPermitted
from backend.pairings.models import Pairing, PairingEvent
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PairingStatus as S
from backend.vocab import PostingStatus, Proposer, Role

# Who may move a pairing from one status to another: "party" = either side, "operator".
TRANSITIONS: dict[tuple[S, S], frozenset[str]] = {
    (S.suggested, S.interested): frozenset({"party"}),
    (S.suggested, S.rejected): frozenset({"operator"}),
    (S.suggested, S.closed): frozenset({"operator"}),
    (S.interested, S.pending_review): frozenset({"party"}),
    (S.interested, S.approved): frozenset({"operator"}),
    (S.interested, S.rejected): frozenset({"operator"}),
    (S.interested, S.closed): frozenset({"operator", "party"}),
    (S.pending_review, S.approved): frozenset({"operator"}),
    (S.pending_review, S.rejected): frozenset({"operator"}),
    (S.pending_review, S.closed): frozenset({"operator", "party"}),
    (S.approved, S.negotiating): frozenset({"operator", "party"}),
    (S.approved, S.closed): frozenset({"operator", "party"}),
    (S.negotiating, S.signed): frozenset({"operator"}),
    (S.negotiating, S.closed): frozenset({"operator", "party"}),
}
TERMINAL = frozenset({S.signed, S.rejected, S.closed})
NEEDS_NOTE = frozenset({S.rejected, S.closed})
DISCLOSED = frozenset({S.approved, S.negotiating, S.signed})
OPEN = frozenset({S.suggested, S.interested, S.pending_review, S.approved, S.negotiating})


def side_of(*, session: Session, pairing: Pairing, user: User) -> str | None:
    """'need' or 'result' when `user` belongs to that side's organisation, else None."""
    need = session.get(Need, pairing.need_id)
    result = session.get(Result, pairing.result_id)
    if need and user.role == Role.enterprise and need.organisation_id == user.organisation_id:
        return "need"
    if result and user.role == Role.researcher and result.organisation_id == user.organisation_id:
        return "result"
    return None


def can_view(*, session: Session, pairing: Pairing, user: User) -> bool:
    """Operators and the two parties see a pairing."""
    return user.role == Role.operator or side_of(session=session, pairing=pairing, user=user) is not None


def get_visible(*, session: Session, pairing_id: int, user: User) -> Pairing:
    """The pairing if `user` may see it, else NotFound."""
    pairing = session.get(Pairing, pairing_id)
    if pairing is None or not can_view(session=session, pairing=pairing, user=user):
        raise NotFound("对接记录不存在")
    return pairing


def _event(session: Session, pairing: Pairing, actor: User | None, old: S | None, new: S, note: str) -> None:
    assert pairing.id is not None
    session.add(
        PairingEvent(
            pairing_id=pairing.id,
            actor_id=actor.id if actor else None,
            from_status=old,
            to_status=new,
            note=note[:1000],
        )
    )


def find(*, session: Session, need_id: int, result_id: int) -> Pairing | None:
    """The pairing of this need and result, if one exists."""
    stmt = select(Pairing).where(Pairing.need_id == need_id, Pairing.result_id == result_id)
    return session.exec(stmt).first()


def propose(
    *,
    session: Session,
    need: Need,
    result: Result,
    by: User | None,
    score: float,
    explanation: dict[str, Any],
    note: str = "",
) -> Pairing:
    """Create a pairing: the engine or an operator suggests; a party's proposal is its interest."""
    if need.status != PostingStatus.published or result.status != PostingStatus.published:
        raise Conflict("只能对接已发布的需求和成果")
    if find(session=session, need_id=need.id or 0, result_id=result.id or 0) is not None:
        raise Conflict("该需求与成果已有对接记录，请勿重复提交")
    if by is None:
        proposer, status = Proposer.engine, S.suggested
    elif by.role == Role.operator:
        proposer, status = Proposer.operator, S.suggested
    elif by.role == Role.enterprise and need.organisation_id == by.organisation_id:
        proposer, status = Proposer.enterprise, S.interested
    elif by.role == Role.researcher and result.organisation_id == by.organisation_id:
        proposer, status = Proposer.researcher, S.interested
    else:
        raise NotPermitted("只有需求方、成果方或平台运营可以发起对接")
    assert need.id is not None and result.id is not None
    pairing = Pairing(
        need_id=need.id,
        result_id=result.id,
        score=max(0.0, min(100.0, score)),  # unrounded: shown through display_score, like the live score
        explanation=explanation,
        proposed_by=proposer,
        proposed_by_user_id=by.id if by else None,
        status=status,
    )
    session.add(pairing)
    try:
        session.flush()
    except IntegrityError as exc:  # the same pair, proposed in the same instant: as the look-up above
        raise Conflict("该需求与成果已有对接记录，请勿重复提交") from exc
    _event(session, pairing, by, None, status, note)
    return pairing


def _role_for(*, session: Session, pairing: Pairing, user: User) -> str | None:
    if user.role == Role.operator:
        return "operator"
    return "party" if side_of(session=session, pairing=pairing, user=user) else None


def transition(
    *,
    session: Session,
    pairing: Pairing,
    user: User,
    to: S,
    note: str = "",
    expected_version: int | None = None,
    contract_amount: float | None = None,
    signed_on: date | None = None,
) -> Pairing:
    """Move a pairing to `to` if the rules allow it and nobody changed it meanwhile."""
    current = S(pairing.status)
    if current in TERMINAL:
        raise Conflict(f"该对接已{current.label}，不能再变更")
    allowed = TRANSITIONS.get((current, to))
    if allowed is None:
        raise Conflict(f"不能从“{current.label}”变更为“{to.label}”")
    role = _role_for(session=session, pairing=pairing, user=user)
    if role is None or role not in allowed:
        raise NotPermitted(f"您无权将此对接变更为“{to.label}”")
    if to in NEEDS_NOTE and not note.strip():
        raise InvalidInput("请填写原因", detail=[{"field": "note", "label": "原因", "message": "请填写原因"}])
    if to == S.interested or to == S.pending_review:
        _check_party_step(session=session, pairing=pairing, user=user, to=to)
    values: dict[str, Any] = {"status": to, "version": pairing.version + 1, "updated_at": utcnow()}
    if to == S.signed:
        if contract_amount is None or contract_amount < 0 or signed_on is None:
            raise InvalidInput(
                "请填写合同金额和签约日期",
                detail=[
                    {"field": "contract_amount", "label": "合同金额", "message": "请填写合同金额（万元）"},
                    {"field": "signed_on", "label": "签约日期", "message": "请填写签约日期"},
                ],
            )
        values.update(contract_amount=contract_amount, signed_on=signed_on)
    version = pairing.version if expected_version is None else expected_version
    done = session.execute(
        update(Pairing).where(col(Pairing.id) == pairing.id, col(Pairing.version) == version).values(**values)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(pairing)
        raise Conflict(f"该对接已被他人处理（当前状态：{S(pairing.status).label}），请刷新后再试")
    session.refresh(pairing)
    _event(session, pairing, user, current, to, note)
    return pairing


def _check_party_step(*, session: Session, pairing: Pairing, user: User, to: S) -> None:
    """Interest comes from a party; confirming needs the *other* party than the one who asked."""
    if to == S.pending_review:
        first = session.exec(
            select(PairingEvent)
            .where(PairingEvent.pairing_id == pairing.id, PairingEvent.to_status == S.interested)
            .order_by(col(PairingEvent.id))
        ).first()
        asker = session.get(User, first.actor_id) if first and first.actor_id else None
        if asker is not None and side_of(session=session, pairing=pairing, user=asker) == side_of(
            session=session, pairing=pairing, user=user
        ):
            raise Conflict("已提交意向，等待对方回应")


def express_interest(
    *,
    session: Session,
    need: Need,
    result: Result,
    user: User,
    note: str,
    score: float,
    explanation: dict[str, Any],
) -> Pairing:
    """A party's interest: a new pairing, or the next step of an existing one."""
    pairing = find(session=session, need_id=need.id or 0, result_id=result.id or 0)
    if pairing is None:
        return propose(
            session=session,
            need=need,
            result=result,
            by=user,
            score=score,
            explanation=explanation,
            note=note,
        )
    if side_of(session=session, pairing=pairing, user=user) is None:
        raise NotPermitted("只有需求方或成果方可以表达意向")
    status = S(pairing.status)
    if status == S.suggested:
        return transition(session=session, pairing=pairing, user=user, to=S.interested, note=note)
    if status == S.interested:
        return transition(session=session, pairing=pairing, user=user, to=S.pending_review, note=note)
    raise Conflict(f"该对接当前为“{status.label}”，无需重复表达意向")


def events(*, session: Session, pairing: Pairing) -> list[PairingEvent]:
    """Every transition of a pairing, oldest first."""
    stmt = select(PairingEvent).where(PairingEvent.pairing_id == pairing.id).order_by(col(PairingEvent.id))
    return list(session.exec(stmt))


def for_user(*, session: Session, user: User, statuses: frozenset[S] | None = None) -> list[Pairing]:
    """Pairings where `user`'s organisation is a party (all of them for an operator), newest first."""
    stmt = select(Pairing)
    if user.role == Role.enterprise:
        stmt = stmt.join(Need, col(Need.id) == Pairing.need_id).where(
            Need.organisation_id == user.organisation_id
        )
    elif user.role == Role.researcher:
        stmt = stmt.join(Result, col(Result.id) == Pairing.result_id).where(
            Result.organisation_id == user.organisation_id
        )
    if statuses:
        stmt = stmt.where(col(Pairing.status).in_(statuses))
    return list(session.exec(stmt.order_by(col(Pairing.updated_at).desc(), col(Pairing.id).desc())))
