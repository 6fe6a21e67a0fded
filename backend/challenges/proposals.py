"""揭榜: researchers submit proposals; the enterprise and the operators shortlist, score and select.

Refusals say why in Chinese: after the deadline, to a challenge already decided, by the enterprise
itself (or any non-researcher), twice, or naming a result that is not the team's. A 保密 challenge
one was not invited to answers as a missing one (404).
"""

from sqlmodel import Session, col, func, select

from backend.accounts.models import User
from backend.challenges import handover, notices
from backend.challenges import service as challenges
from backend.challenges.access import can_view, ensure_manager, is_owner, own_proposal
from backend.challenges.models import Challenge, Proposal, ProposalScore, ProposalStatus
from backend.challenges.schemas import SCORE_MAX, ProposalInput
from backend.db import utcnow
from backend.errors import Conflict, InvalidInput, NotFound, NotPermitted
from backend.postings.result_model import Result
from backend.vocab import PostingStatus, Role

P = ProposalStatus
OPEN = frozenset({P.submitted, P.shortlisted})


def _own_result(session: Session, user: User, result_id: int | None) -> int | None:
    if result_id is None:
        return None
    result = session.get(Result, result_id)
    if (
        result is None
        or result.organisation_id != user.organisation_id
        or result.status != PostingStatus.published
    ):
        raise InvalidInput(
            "所选成果不存在、未发布或不属于您的单位",
            detail=[{"field": "result_id", "label": "依托成果", "message": "请选择本单位已发布的成果"}],
        )
    return result_id


def ensure_can_submit(*, session: Session, challenge: Challenge, user: User) -> None:
    """Refuse a proposal for who is asking or when (before its content is even read)."""
    if not can_view(session=session, challenge=challenge, user=user):
        raise NotFound("榜单不存在或未公开")
    if is_owner(challenge=challenge, user=user):
        raise NotPermitted("发榜企业不能揭自己的榜")
    if user.role != Role.researcher:
        raise NotPermitted("只有科研人员（高校、院所团队）可以揭榜")
    if challenge.status != challenges.S.published:
        raise Conflict(f"该榜单{challenges.S(challenge.status).label}，不再接受揭榜方案")
    if not challenges.is_open(challenge):
        raise Conflict(f"揭榜已于 {challenge.deadline} 截止，不能再提交方案")
    if own_proposal(session=session, challenge=challenge, user=user) is not None:
        raise Conflict("您已提交过揭榜方案，不能重复提交")


def submit(*, session: Session, challenge: Challenge, user: User, data: ProposalInput) -> Proposal:
    """A researcher's 揭榜方案, while the challenge is open."""
    ensure_can_submit(session=session, challenge=challenge, user=user)
    assert challenge.id is not None and user.id is not None
    proposal = Proposal(
        challenge_id=challenge.id,
        author_id=user.id,
        organisation_id=user.organisation_id,
        result_id=_own_result(session, user, data.result_id),
        summary=data.summary,
        team=data.team,
        plan=data.plan,
    )
    session.add(proposal)
    session.flush()
    first = len(list_for(session=session, challenge=challenge)) == 1
    challenges.step(
        session=session,
        challenge=challenge,
        actor=user,
        kind="proposed",
        proposal_id=proposal.id,
        notice="proposal",
        users=notices.managers(session=session, challenge=challenge),
        title=f"{'首个' if first else '新的'}揭榜方案：{challenge.title}",
        body=f"揭榜团队：{data.team[:100]}",
    )
    return proposal


def link_result(*, session: Session, proposal: Proposal, user: User, result_id: int) -> Proposal:
    """The author names (or changes) the result the proposal builds on, until it is decided."""
    if proposal.author_id != user.id:
        raise NotPermitted("只有方案提交人可以关联成果")
    if proposal.status not in OPEN:
        raise Conflict(f"方案已{P(proposal.status).label}，不能再修改")
    proposal.result_id = _own_result(session, user, result_id)
    proposal.updated_at = utcnow()
    session.add(proposal)
    session.flush()
    return proposal


def list_for(*, session: Session, challenge: Challenge) -> list[Proposal]:
    """A challenge's proposals, oldest first."""
    stmt = select(Proposal).where(Proposal.challenge_id == challenge.id).order_by(col(Proposal.id))
    return list(session.exec(stmt))


def get_in(*, session: Session, challenge: Challenge, proposal_id: int, user: User) -> Proposal:
    """One proposal of the challenge, for its managers or its author; else NotFound."""
    proposal = session.get(Proposal, proposal_id)
    allowed = proposal is not None and (
        proposal.author_id == user.id
        or (user.role == Role.operator or is_owner(challenge=challenge, user=user))
    )
    if proposal is None or proposal.challenge_id != challenge.id or not allowed:
        raise NotFound("揭榜方案不存在")
    return proposal


def _decidable(challenge: Challenge, proposal: Proposal) -> None:
    if challenge.status == challenges.S.selected:
        raise Conflict("本榜单已选定挂帅团队，不能重复选定")
    if challenge.status != challenges.S.published:
        raise Conflict(f"该榜单{challenges.S(challenge.status).label}，不能再评审")
    if proposal.status not in OPEN:
        raise Conflict(f"该方案{P(proposal.status).label}，不能再操作")


def shortlist(*, session: Session, challenge: Challenge, proposal: Proposal, user: User) -> Proposal:
    """Put a submitted proposal on the shortlist (入围); its author is told."""
    ensure_manager(challenge=challenge, user=user)
    _decidable(challenge, proposal)
    if proposal.status == P.shortlisted:
        raise Conflict("该方案已入围")
    proposal.status, proposal.updated_at = P.shortlisted, utcnow()
    session.add(proposal)
    session.flush()
    challenges.step(
        session=session,
        challenge=challenge,
        actor=user,
        kind="shortlisted",
        proposal_id=proposal.id,
        users=notices.authors(session=session, proposals=[proposal]),
        title=f"您的揭榜方案已入围：{challenge.title}",
    )
    return proposal


def score(
    *, session: Session, challenge: Challenge, proposal: Proposal, user: User, scores: list[int], comment: str
) -> ProposalScore:
    """One manager's 0–10 score per criterion (scoring again replaces their earlier scores)."""
    ensure_manager(challenge=challenge, user=user)
    _decidable(challenge, proposal)
    if len(scores) != len(challenge.criteria) or any(not 0 <= s <= SCORE_MAX for s in scores):
        raise InvalidInput(
            f"请为每项评审标准打 0–{SCORE_MAX} 分",
            detail=[{"field": "scores", "label": "评分", "message": f"每项 0–{SCORE_MAX} 分"}],
        )
    assert proposal.id is not None and user.id is not None
    stmt = select(ProposalScore).where(
        ProposalScore.proposal_id == proposal.id, ProposalScore.scorer_id == user.id
    )
    row = session.exec(stmt).first() or ProposalScore(proposal_id=proposal.id, scorer_id=user.id, total=0)
    row.scores, row.comment, row.updated_at = list(scores), comment.strip()[:500], utcnow()
    row.total = round(sum(scores) / len(scores) * 100 / SCORE_MAX, 1)
    session.add(row)
    session.flush()
    challenges.step(
        session=session,
        challenge=challenge,
        actor=user,
        kind="scored",
        note=f"{row.total:g} 分",
        proposal_id=proposal.id,
        users=notices.other_managers(session=session, challenge=challenge, actor=user),
        title=f"揭榜方案已评分（{row.total:g} 分）：{challenge.title}",
    )
    return row


def scores_of(*, session: Session, proposal: Proposal) -> list[ProposalScore]:
    """Every reviewer's scores of a proposal."""
    stmt = (
        select(ProposalScore).where(ProposalScore.proposal_id == proposal.id).order_by(col(ProposalScore.id))
    )
    return list(session.exec(stmt))


def select_team(
    *, session: Session, challenge: Challenge, proposal: Proposal, user: User, note: str = ""
) -> Proposal:
    """Select the 挂帅 team: the challenge is decided once, the proposal becomes a pairing of the
    need and its result, the other proposals are declined, and everyone concerned is told."""
    ensure_manager(challenge=challenge, user=user)
    _decidable(challenge, proposal)
    if proposal.result_id is None:
        raise Conflict("该方案未关联科技成果，无法转入对接：请揭榜团队先在方案中关联一项已发布的成果")
    challenges.move_status(
        session, challenge, challenges.S.published, challenges.S.selected, closed_at=utcnow()
    )
    pairing = handover.to_pairing(
        session=session, challenge=challenge, proposal=proposal, selector=user, note=note
    )
    proposal.status, proposal.pairing_id, proposal.updated_at = P.selected, pairing.id, utcnow()
    session.add(proposal)
    others = challenges.decline_open(session=session, challenge=challenge, keep=proposal.id)
    challenges.step(
        session=session,
        challenge=challenge,
        actor=user,
        kind="selected",
        note=note,
        proposal_id=proposal.id,
        users=notices.authors(session=session, proposals=[proposal]),
        title=f"您的团队被选为挂帅团队：{challenge.title}",
        body="方案已转入对接，请在对接页面跟进。",
        link=f"/pairings/{pairing.id}",
    )
    notices.tell(
        session=session,
        users=notices.authors(session=session, proposals=others),
        kind="declined",
        title=f"榜单已选定挂帅团队，您的方案未入选：{challenge.title}",
        challenge=challenge,
        actor=user,
    )
    notices.tell(
        session=session,
        users=notices.managers(session=session, challenge=challenge),
        kind="decided",
        title=f"榜单已选定挂帅团队并转入对接：{challenge.title}",
        link=f"/pairings/{pairing.id}",
        challenge=challenge,
        actor=user,
    )
    return proposal


def counts(*, session: Session, challenge_ids: list[int]) -> dict[int, int]:
    """How many proposals each challenge has."""
    if not challenge_ids:
        return {}
    stmt = (
        select(Proposal.challenge_id, func.count())
        .where(col(Proposal.challenge_id).in_(challenge_ids))
        .group_by(col(Proposal.challenge_id))
    )
    return {challenge_id: int(n) for challenge_id, n in session.exec(stmt)}
