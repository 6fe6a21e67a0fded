"""Likely solvers: the engine matches a challenge's text to researchers' results, and an operator
invites their teams with one click (an in-app notification and an email; a 保密 challenge becomes
visible to them)."""

from dataclasses import dataclass

from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.challenges import service as challenges
from backend.challenges.models import Challenge, ChallengeInvitation
from backend.db import utcnow
from backend.engine import current as matching_engine
from backend.errors import Conflict, NotFound, NotPermitted
from backend.matching.documents import need_document
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PostingStatus, Role
from embeddings.types import Document

CANDIDATES = 10


@dataclass(frozen=True)
class Candidate:
    result: Result
    owner: User
    score: float
    invited: bool


def challenge_document(challenge: Challenge, need: Need) -> Document:
    """The challenge as a need the engine can rank results for: its own text, the need's wishes."""
    base = need_document(need)
    return Document.need(
        id=base.id,
        title=challenge.title,
        problem=challenge.description,
        indicators=need.indicators,
        keywords=list(need.keywords),
        profile=base.profile,
    )


def invited_ids(*, session: Session, challenge: Challenge) -> set[int]:
    """The users invited to a challenge."""
    stmt = select(ChallengeInvitation.user_id).where(ChallengeInvitation.challenge_id == challenge.id)
    return set(session.exec(stmt))


def invitations(*, session: Session, challenge: Challenge) -> list[ChallengeInvitation]:
    """A challenge's invitations, oldest first."""
    stmt = select(ChallengeInvitation).where(ChallengeInvitation.challenge_id == challenge.id)
    return list(session.exec(stmt.order_by(col(ChallengeInvitation.id))))


def candidates(*, session: Session, challenge: Challenge, k: int = CANDIDATES) -> list[Candidate] | None:
    """The results that best answer the challenge, one per researcher; None when matching is off."""
    engine = matching_engine()
    need = session.get(Need, challenge.need_id)
    if engine is None or need is None:
        return None
    invited = invited_ids(session=session, challenge=challenge)
    out: list[Candidate] = []
    seen: set[int] = set()
    for hit in engine.match_need(need=challenge_document(challenge, need), k=k * 3):
        result = session.get(Result, hit.id)
        owner = session.get(User, result.owner_id) if result else None
        if result is None or owner is None or result.status != PostingStatus.published:
            continue
        if owner.role != Role.researcher or not owner.is_active or owner.id in seen:
            continue
        if owner.organisation_id == challenge.organisation_id:
            continue
        seen.add(owner.id or 0)
        out.append(Candidate(result, owner, hit.score, owner.id in invited))
        if len(out) == k:
            break
    return out


def invite(
    *, session: Session, challenge: Challenge, result_id: int, operator: User, score: float | None = None
) -> ChallengeInvitation:
    """Invite the team behind a result to 揭榜 (operators only, while the challenge is open)."""
    if operator.role != Role.operator:
        raise NotPermitted("只有平台运营可以邀请团队揭榜")
    if not challenges.is_open(challenge):
        raise Conflict("榜单未在揭榜期内，不能邀请")
    result = session.get(Result, result_id)
    owner = session.get(User, result.owner_id) if result else None
    if result is None or owner is None or result.status != PostingStatus.published:
        raise NotFound("成果不存在或未发布")
    if owner.role != Role.researcher or owner.organisation_id == challenge.organisation_id:
        raise Conflict("只能邀请科研团队揭榜")
    if owner.id in invited_ids(session=session, challenge=challenge):
        raise Conflict(f"已邀请过{owner.name}，无需重复邀请")
    assert challenge.id is not None and owner.id is not None and operator.id is not None
    row = ChallengeInvitation(
        challenge_id=challenge.id,
        user_id=owner.id,
        result_id=result_id,
        score=None if score is None else round(max(0.0, min(100.0, score)), 2),
        invited_by_id=operator.id,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    challenges.step(
        session=session,
        challenge=challenge,
        actor=operator,
        kind="invited",
        note=f"{owner.name}（成果“{result.title}”）",
        users=[owner],
        title=f"平台邀请您揭榜：{challenge.title}",
        body=f"您的成果“{result.title}”与该榜单相关。揭榜截止日期 {challenge.deadline}。",
    )
    return row
