"""A challenge's life: drafted from a published need, published, then closed or a team selected.

A challenge's status changes only through `move_status`, a compare-and-set UPDATE on `version`, so two
people deciding at once cannot both win; every step is a ChallengeEvent, and who hears about it is
`notices`'.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.challenges import notices
from backend.challenges.access import ensure_manager, visible_clause
from backend.challenges.models import (
    Challenge,
    ChallengeEvent,
    ChallengeStatus,
    ChallengeVisibility,
    Proposal,
    ProposalStatus,
)
from backend.challenges.schemas import ChallengeInput
from backend.db import utcnow
from backend.errors import Conflict, InvalidInput, NotPermitted
from backend.postings.need_model import Need
from backend.timefmt import BEIJING
from backend.vocab import Confidentiality, PostingStatus, Role

S = ChallengeStatus
DEFAULT_DAYS = 30  # a new draft's deadline, from today


def today() -> date:
    """Today in Beijing, the day deadlines are counted in."""
    return datetime.now(BEIJING).date()


def is_open(challenge: Challenge, on: date | None = None) -> bool:
    """Whether proposals are accepted: published and the deadline day not over (Beijing time)."""
    return challenge.status == S.published and (on or today()) <= challenge.deadline


def prefill(need: Need) -> dict[str, Any]:
    """A new challenge's form values from its need: its text, a reward from its budget, a deadline."""
    text = need.problem + (f"\n\n技术指标：{need.indicators}" if need.indicators else "")
    amount = need.budget_max if need.budget_max is not None else need.budget_min
    return {
        "title": f"揭榜挂帅：{need.title}"[:80],
        "description": text[:4000],
        "reward_amount": None if need.budget_negotiable else amount,
        "reward_negotiable": need.budget_negotiable or amount is None,
        "deadline": min(today() + timedelta(days=DEFAULT_DAYS), need.valid_until),
        "criteria": ["技术方案的可行性与先进性", "团队能力与相关成果基础", "实施计划、周期与成本"],
        "eligibility": "高校、科研院所或企业研发团队；具备相关领域研究基础",
        "visibility": "secret" if need.confidentiality == Confidentiality.secret else "public",
    }


def event(
    session: Session,
    challenge: Challenge,
    actor: User | None,
    kind: str,
    note: str = "",
    proposal_id: int | None = None,
) -> None:
    """Record one step of a challenge."""
    assert challenge.id is not None
    session.add(
        ChallengeEvent(
            challenge_id=challenge.id,
            actor_id=actor.id if actor else None,
            kind=kind,
            note=note[:1000],
            proposal_id=proposal_id,
        )
    )


def step(
    *,
    session: Session,
    challenge: Challenge,
    actor: User,
    kind: str,
    users: Iterable[User],
    title: str,
    note: str = "",
    body: str = "",
    link: str = "",
    notice: str = "",
    proposal_id: int | None = None,
) -> None:
    """Record a step of a challenge and tell `users` of it (never the actor) as `notice` (default: `kind`)."""
    event(session, challenge, actor, kind, note, proposal_id)
    notices.tell(
        session=session,
        users=users,
        kind=notice or kind,
        title=title,
        body=body,
        link=link,
        challenge=challenge,
        actor=actor,
    )


def _check(*, need: Need, data: ChallengeInput) -> None:
    if data.deadline <= today():
        raise InvalidInput(
            "揭榜截止日期须晚于今天",
            detail=[{"field": "deadline", "label": "揭榜截止日期", "message": "须晚于今天"}],
        )
    if need.confidentiality == Confidentiality.secret and data.visibility != ChallengeVisibility.secret:
        raise InvalidInput(
            "保密需求的榜单只能保密发布（仅平台运营、发榜企业和受邀团队可见）",
            detail=[{"field": "visibility", "label": "可见范围", "message": "保密需求的榜单只能保密发布"}],
        )


def create(
    *, session: Session, need: Need, data: ChallengeInput, user: User, publish: bool = False
) -> Challenge:
    """Draft a challenge from a published need (an operator or the need's enterprise); maybe publish it."""
    if user.role != Role.operator and not (
        user.role == Role.enterprise and user.organisation_id == need.organisation_id
    ):
        raise NotPermitted("只有平台运营或需求方企业可以为该需求发榜")
    if need.status != PostingStatus.published:
        raise Conflict("只能为已发布的需求发榜")
    _check(need=need, data=data)
    assert need.id is not None and user.id is not None
    challenge = Challenge(
        need_id=need.id, organisation_id=need.organisation_id, created_by_id=user.id, **data.model_dump()
    )
    session.add(challenge)
    session.flush()
    event(session, challenge, user, "drafted")
    return publish_challenge(session=session, challenge=challenge, user=user) if publish else challenge


def update_draft(*, session: Session, challenge: Challenge, data: ChallengeInput, user: User) -> Challenge:
    """Edit a draft (a published challenge's terms no longer change)."""
    ensure_manager(challenge=challenge, user=user)
    if challenge.status != S.draft:
        raise Conflict("榜单已发布，不能再修改")
    need = session.get(Need, challenge.need_id)
    assert need is not None
    _check(need=need, data=data)
    for key, value in data.model_dump().items():
        setattr(challenge, key, value)
    challenge.updated_at = utcnow()
    session.add(challenge)
    session.flush()
    return challenge


def move_status(session: Session, challenge: Challenge, old: S, new: S, **values: Any) -> None:
    """Compare-and-set the status: refuse if someone moved the challenge meanwhile."""
    done = session.execute(
        update(Challenge)
        .where(col(Challenge.id) == challenge.id, col(Challenge.version) == challenge.version)
        .where(col(Challenge.status) == old)
        .values(status=new, version=challenge.version + 1, updated_at=utcnow(), **values)
    )
    session.refresh(challenge)
    if done.rowcount != 1:  # type: ignore[attr-defined]
        if challenge.status == S.selected:
            raise Conflict("本榜单已选定挂帅团队，不能重复选定")
        raise Conflict(f"该榜单已被他人处理（当前状态：{S(challenge.status).label}），请刷新后再试")


def publish_challenge(*, session: Session, challenge: Challenge, user: User) -> Challenge:
    """Publish a draft: it is listed (or shown to invited teams, if 保密) and takes proposals."""
    ensure_manager(challenge=challenge, user=user)
    if challenge.status != S.draft:
        raise Conflict(f"该榜单已{S(challenge.status).label}，不能再发布")
    need = session.get(Need, challenge.need_id)
    if need is None or need.status != PostingStatus.published:
        raise Conflict("需求已下架，不能发榜")
    if challenge.deadline <= today():
        raise Conflict("揭榜截止日期已过，请修改截止日期后再发布")
    move_status(session, challenge, S.draft, S.published, published_at=utcnow())
    step(
        session=session,
        challenge=challenge,
        actor=user,
        kind="published",
        users=notices.managers(session=session, challenge=challenge),
        title=f"榜单已发布：{challenge.title}",
        body=f"揭榜截止日期 {challenge.deadline}。",
    )
    return challenge


def close(*, session: Session, challenge: Challenge, user: User, note: str) -> Challenge:
    """End a published challenge without a selection (a reason is required); open proposals decline."""
    ensure_manager(challenge=challenge, user=user)
    if not note.strip():
        raise InvalidInput(
            "请填写关闭原因", detail=[{"field": "note", "label": "说明", "message": "请填写关闭原因"}]
        )
    if challenge.status != S.published:
        raise Conflict(f"该榜单已{S(challenge.status).label}，不能关闭")
    move_status(session, challenge, S.published, S.closed, closed_at=utcnow(), close_note=note.strip()[:500])
    waiting = decline_open(session=session, challenge=challenge)
    step(
        session=session,
        challenge=challenge,
        actor=user,
        kind="closed",
        note=note,
        users=[
            *notices.managers(session=session, challenge=challenge),
            *notices.authors(session=session, proposals=waiting),
        ],
        title=f"榜单已关闭，未选定挂帅团队：{challenge.title}",
        body=f"原因：{note.strip()}",
    )
    return challenge


def decline_open(*, session: Session, challenge: Challenge, keep: int | None = None) -> list[Proposal]:
    """Mark every still-open proposal (but `keep`) 未入选; returns them."""
    stmt = select(Proposal).where(
        Proposal.challenge_id == challenge.id,
        col(Proposal.status).in_([ProposalStatus.submitted, ProposalStatus.shortlisted]),
    )
    declined = [p for p in session.exec(stmt) if p.id != keep]
    for proposal in declined:
        proposal.status, proposal.updated_at = ProposalStatus.declined, utcnow()
        session.add(proposal)
    session.flush()
    return declined


def events(*, session: Session, challenge: Challenge) -> list[ChallengeEvent]:
    """Every step of a challenge, oldest first."""
    stmt = select(ChallengeEvent).where(ChallengeEvent.challenge_id == challenge.id)
    return list(session.exec(stmt.order_by(col(ChallengeEvent.id))))


def listed(*, session: Session, user: User | None, status: S | None = None) -> list[Challenge]:
    """The challenges `user` may see, open ones first, then newest."""
    stmt = select(Challenge).where(visible_clause(user))
    if status is not None:
        stmt = stmt.where(col(Challenge.status) == status)
    rows = list(session.exec(stmt.order_by(col(Challenge.id).desc())))
    order = {S.published: 0, S.draft: 1, S.selected: 2, S.closed: 3}
    return sorted(rows, key=lambda c: order[S(c.status)])


def for_need(*, session: Session, need_id: int) -> list[Challenge]:
    """The challenges drafted from one need, newest first."""
    stmt = select(Challenge).where(Challenge.need_id == need_id).order_by(col(Challenge.id).desc())
    return list(session.exec(stmt))
