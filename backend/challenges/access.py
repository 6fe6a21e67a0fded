"""Who may see a challenge and who runs it.

A public challenge is listed for everyone once published. A 保密 challenge follows its need's 保密
rule: operators, the need's enterprise and the researchers the platform invited (and so their own
proposals) see it; to anyone else it does not exist (404, like a secret need). Drafts are the
managers' only. The managers are the operators and the need's enterprise.
"""

from typing import Any

from sqlmodel import Session, col, exists, or_, select

from backend.accounts.models import User
from backend.challenges.models import (
    Challenge,
    ChallengeInvitation,
    ChallengeStatus,
    ChallengeVisibility,
    Proposal,
)
from backend.errors import NotFound, NotPermitted
from backend.vocab import Role

HIDDEN = "榜单不存在或未公开"


def is_owner(*, challenge: Challenge, user: User | None) -> bool:
    """Whether `user` speaks for the enterprise whose need the challenge is."""
    return (
        user is not None
        and user.role == Role.enterprise
        and user.organisation_id == challenge.organisation_id
    )


def is_manager(*, challenge: Challenge, user: User | None) -> bool:
    """Operators and the need's enterprise run a challenge: publish, shortlist, score, select."""
    return user is not None and (user.role == Role.operator or is_owner(challenge=challenge, user=user))


def is_invited(*, session: Session, challenge: Challenge, user: User) -> bool:
    """Whether the platform invited `user` to this challenge."""
    stmt = select(ChallengeInvitation.id).where(
        ChallengeInvitation.challenge_id == challenge.id, ChallengeInvitation.user_id == user.id
    )
    return session.exec(stmt).first() is not None


def can_view(*, session: Session, challenge: Challenge, user: User | None) -> bool:
    """Who may open a challenge at all."""
    if is_manager(challenge=challenge, user=user):
        return True
    if challenge.status == ChallengeStatus.draft:
        return False
    if challenge.visibility == ChallengeVisibility.public:
        return True
    return user is not None and is_invited(session=session, challenge=challenge, user=user)


def get_visible(*, session: Session, challenge_id: int, user: User | None) -> Challenge:
    """The challenge if `user` may see it; otherwise NotFound (a 保密 one's existence is not revealed)."""
    challenge = session.get(Challenge, challenge_id)
    if challenge is None or not can_view(session=session, challenge=challenge, user=user):
        raise NotFound(HIDDEN)
    return challenge


def get_managed(*, session: Session, challenge_id: int, user: User) -> Challenge:
    """The challenge if `user` runs it; NotFound if they may not even see it, else NotPermitted."""
    challenge = get_visible(session=session, challenge_id=challenge_id, user=user)
    ensure_manager(challenge=challenge, user=user)
    return challenge


def ensure_manager(*, challenge: Challenge, user: User) -> None:
    """Refuse anyone but the operators and the need's enterprise."""
    if not is_manager(challenge=challenge, user=user):
        raise NotPermitted("只有发榜企业或平台运营可以执行此操作")


def visible_clause(user: User | None) -> Any:
    """SQL condition: the challenges `user` may see in lists."""
    listed = (col(Challenge.status) != ChallengeStatus.draft) & (
        col(Challenge.visibility) == ChallengeVisibility.public
    )
    if user is None:
        return listed
    if user.role == Role.operator:
        return col(Challenge.id).is_not(None)
    invited = exists().where(
        col(ChallengeInvitation.challenge_id) == Challenge.id, col(ChallengeInvitation.user_id) == user.id
    )
    clauses: list[Any] = [listed, (col(Challenge.status) != ChallengeStatus.draft) & invited]
    if user.role == Role.enterprise:
        clauses.append(col(Challenge.organisation_id) == user.organisation_id)
    return or_(*clauses)


def own_proposal(*, session: Session, challenge: Challenge, user: User | None) -> Proposal | None:
    """The proposal `user` submitted to this challenge, if any."""
    if user is None:
        return None
    stmt = select(Proposal).where(Proposal.challenge_id == challenge.id, Proposal.author_id == user.id)
    return session.exec(stmt).first()
