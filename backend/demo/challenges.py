"""Demo 揭榜挂帅: a few challenges at every stage, drafted from demo needs nobody is pairing yet and
answered by the teams whose results were written to solve them, taken through the real services
(publish, invite, 揭榜, shortlist, score, select, close) so the list, the pages, the pairing desk
and the dashboard's challenge figures show a believable history."""

from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.challenges import invites, proposals
from backend.challenges import service as challenges
from backend.challenges.models import Challenge, ChallengeEvent, Proposal
from backend.challenges.schemas import ChallengeInput, ProposalInput
from backend.db import utcnow
from backend.pairings.models import Pairing
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import Confidentiality, PostingStatus

# The stage each demo challenge is taken to, in turn (the first goes to the demo enterprise's need).
STAGES = ("scored", "selected", "closed", "reviewing", "invited", "draft")
PLANS = (
    "第一阶段（1–2 个月）完成小试验证；第二阶段（3–4 个月）在企业现场中试；第三阶段形成工艺包并交付。",
    "先用企业提供的样品做对比试验，三个月内给出达标数据，随后联合开展中试放大。",
)


def _owner(session: Session, item: Need | Result) -> User:
    user = session.get(User, item.owner_id)
    assert user is not None
    return user


def _free_pairs(
    session: Session, solves: list[tuple[int, int]], first_org: int | None
) -> list[tuple[Need, Result]]:
    """(need, solving result) with both published and no pairing of the need yet, one per need."""
    paired = set(session.exec(select(Pairing.need_id)))
    seen: set[int] = set()
    out: list[tuple[Need, Result]] = []
    for need_id, result_id in solves:
        need, result = session.get(Need, need_id), session.get(Result, result_id)
        if need is None or result is None or need_id in paired or need_id in seen:
            continue
        if need.status == PostingStatus.published and result.status == PostingStatus.published:
            seen.add(need_id)
            out.append((need, result))
    out.sort(key=lambda pair: pair[0].organisation_id != first_org)  # the demo login's need first
    return out


def _terms(need: Need, stage: str) -> ChallengeInput:
    values: dict[str, Any] = challenges.prefill(need)
    values["deadline"] = challenges.today() + timedelta(days=21 if stage != "draft" else 35)
    if need.confidentiality == Confidentiality.secret or stage == "invited":
        values["visibility"] = "secret"
    return ChallengeInput.model_validate(values)


def _propose(
    session: Session, challenge: Challenge, author: User, result: Result | None, nth: int
) -> Proposal:
    data = ProposalInput(
        summary=(f"依托成果“{result.title}”，" if result else "基于团队在该方向的研究积累，")
        + f"针对“{challenge.title.removeprefix('揭榜挂帅：')}”提出系统解决方案，给出可量化的验收指标。",
        team=f"{author.name}团队（含博士 3 名、工程师 2 名）",
        plan=PLANS[nth % len(PLANS)],
        result_id=result.id if result else None,
    )
    return proposals.submit(session=session, challenge=challenge, user=author, data=data)


def _rival(session: Session, challenge: Challenge, solver: Result) -> tuple[User, Result] | None:
    """Another team's published result in the same field, for a second proposal."""
    stmt = select(Result).where(
        Result.field == solver.field,
        Result.status == PostingStatus.published,
        Result.organisation_id != solver.organisation_id,
    )
    result = session.exec(stmt.order_by(col(Result.id))).first()
    return (_owner(session, result), result) if result else None


def _backdate(session: Session, challenge: Challenge, days: int) -> None:
    """Replay the challenge's history from `days` ago to now: its events evenly spread, publication
    and each proposal at the time of their own event."""
    events = list(challenges.events(session=session, challenge=challenge))
    start, end = utcnow() - timedelta(days=days), utcnow() - timedelta(hours=1)
    step = (end - start) / max(len(events), 1)
    for i, event in enumerate(events):
        at = start + step * i
        session.execute(
            update(ChallengeEvent).where(col(ChallengeEvent.id) == event.id).values(created_at=at)
        )
        moment = {"published": "published_at", "selected": "closed_at", "closed": "closed_at"}.get(event.kind)
        if moment:
            session.execute(update(Challenge).where(col(Challenge.id) == challenge.id).values({moment: at}))
        if event.kind == "proposed" and event.proposal_id:
            session.execute(
                update(Proposal)
                .where(col(Proposal.id) == event.proposal_id)
                .values(created_at=at, updated_at=at)
            )
    session.expire_all()


def _take(session: Session, stage: str, need: Need, solver: Result, operator: User, nth: int) -> None:
    enterprise = _owner(session, need)
    author = _owner(session, solver)
    challenge = challenges.create(
        session=session, need=need, data=_terms(need, stage), user=enterprise if nth % 2 == 0 else operator
    )
    if stage == "draft":
        return
    challenges.publish_challenge(session=session, challenge=challenge, user=enterprise)
    assert solver.id is not None
    invites.invite(session=session, challenge=challenge, result_id=solver.id, operator=operator, score=None)
    if stage == "invited":
        _backdate(session, challenge, 2)
        return
    mine = _propose(session, challenge, author, solver, nth)
    rival = _rival(session, challenge, solver)
    other = (
        _propose(session, challenge, rival[0], None, nth + 1) if rival and rival[0].id != author.id else None
    )
    if stage in ("scored", "selected", "reviewing"):
        proposals.shortlist(session=session, challenge=challenge, proposal=mine, user=enterprise)
        proposals.score(
            session=session,
            challenge=challenge,
            proposal=mine,
            user=operator,
            scores=[9, 8, 8],
            comment="指标明确，团队基础扎实",
        )
        if other is not None:
            proposals.score(
                session=session,
                challenge=challenge,
                proposal=other,
                user=operator,
                scores=[6, 7, 5],
                comment="路线可行，缺少中试数据",
            )
    if stage == "selected":
        proposals.select_team(
            session=session, challenge=challenge, proposal=mine, user=enterprise, note="方案指标最完整"
        )
    if stage == "closed":
        challenges.close(
            session=session, challenge=challenge, user=operator, note="收到的方案成熟度不足，企业决定自主研发"
        )
    _backdate(session, challenge, {"scored": 6, "selected": 20, "closed": 40, "reviewing": 30}[stage])
    if stage == "reviewing":  # the deadline passed: proposals closed, the review goes on
        session.execute(
            update(Challenge)
            .where(col(Challenge.id) == challenge.id)
            .values(deadline=challenges.today() - timedelta(days=2))
        )


def create_demo_challenges(
    session: Session, *, solves: list[tuple[int, int]], operator: User, enterprise: User | None = None
) -> int:
    """Take one challenge to each stage of STAGES; returns how many were made."""
    pairs = _free_pairs(session, solves, enterprise.organisation_id if enterprise else None)
    made = 0
    for stage, (need, solver) in zip(STAGES, pairs, strict=False):
        _take(session, stage, need, solver, operator, made)
        made += 1
    session.flush()
    return made
