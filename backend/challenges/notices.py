"""Who hears about each step of a challenge: in-app now, by email after the commit (`notify`).

Everyone told about a challenge may open it: its managers, the researchers invited to it and the
authors of its proposals (a 保密 challenge's authors were invited), so the title is quoted as is.
"""

from collections.abc import Iterable

from sqlmodel import Session, select

from backend.accounts.models import User
from backend.challenges.models import Challenge, Proposal
from backend.notifications.service import notify
from backend.pairings.interest import operators
from backend.vocab import Role


def link_of(challenge: Challenge) -> str:
    """The challenge's page."""
    return f"/challenges/{challenge.id}"


def enterprise_users(*, session: Session, challenge: Challenge) -> list[User]:
    """The active users of the enterprise whose need the challenge is."""
    stmt = select(User).where(
        User.organisation_id == challenge.organisation_id,
        User.role == Role.enterprise,
        User.is_active == True,  # noqa: E712
    )
    return list(session.exec(stmt))


def managers(*, session: Session, challenge: Challenge) -> list[User]:
    """The enterprise's users and every operator."""
    return [*enterprise_users(session=session, challenge=challenge), *operators(session=session)]


def other_managers(*, session: Session, challenge: Challenge, actor: User) -> list[User]:
    """The managers on the other side from `actor`: the enterprise if an operator acted, else operators."""
    if actor.role == Role.operator:
        return enterprise_users(session=session, challenge=challenge)
    return operators(session=session)


def authors(*, session: Session, proposals: Iterable[Proposal]) -> list[User]:
    """The users who wrote these proposals."""
    found = (session.get(User, p.author_id) for p in proposals)
    return [u for u in found if u is not None]


def tell(
    *,
    session: Session,
    users: Iterable[User],
    kind: str,
    title: str,
    challenge: Challenge,
    body: str = "",
    link: str = "",
    actor: User | None = None,
) -> None:
    """Notify each user (never the actor) once, linking to the challenge unless told otherwise."""
    skip = actor.id if actor else None
    notify(
        session=session,
        users=[u for u in users if u.id != skip],
        kind=f"challenge_{kind}"[:40],
        title=title,
        body=body,
        link=link or link_of(challenge),
    )
