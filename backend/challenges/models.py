"""Challenges (榜单) drafted from a need, the proposals researchers submit (揭榜), their scores,
the invitations the engine suggested, and every step as an event."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.db import utcnow


class _Labelled(StrEnum):
    @property
    def label(self) -> str:
        return LABELS[type(self).__name__][self.value]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


class ChallengeStatus(_Labelled):
    draft = "draft"
    published = "published"  # open for proposals until the deadline, then under review
    selected = "selected"  # a 挂帅 team was chosen: its proposal became a pairing
    closed = "closed"  # ended without a selection


class ChallengeVisibility(_Labelled):
    public = "public"
    secret = "secret"  # operators, the enterprise and invited researchers only


class ProposalStatus(_Labelled):
    submitted = "submitted"
    shortlisted = "shortlisted"
    selected = "selected"
    declined = "declined"


LABELS: dict[str, dict[str, str]] = {
    "ChallengeStatus": {"draft": "草稿", "published": "揭榜中", "selected": "已挂帅", "closed": "已关闭"},
    "ChallengeVisibility": {"public": "公开", "secret": "保密（仅受邀团队可见）"},
    "ProposalStatus": {
        "submitted": "已提交",
        "shortlisted": "已入围",
        "selected": "挂帅",
        "declined": "未入选",
    },
}


class Challenge(SQLModel, table=True):
    __tablename__ = "challenge"

    id: int | None = Field(default=None, primary_key=True)
    need_id: int = Field(foreign_key="need.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)  # the need's enterprise
    created_by_id: int = Field(foreign_key="user.id")
    title: str = Field(max_length=80)
    description: str = Field(max_length=4000)
    reward_amount: float | None = Field(default=None, ge=0, le=1_000_000)  # 万元
    reward_negotiable: bool = False
    deadline: date  # proposals are accepted through this day (Beijing time)
    criteria: list[str] = Field(default_factory=list, sa_type=JSON)
    eligibility: str = Field(default="", max_length=1000)
    visibility: ChallengeVisibility = Field(default=ChallengeVisibility.public, sa_type=String(10))
    status: ChallengeStatus = Field(default=ChallengeStatus.draft, sa_type=String(20), index=True)
    # Bumped on every change of status: a selection names the version it saw (one winner only).
    version: int = 1
    close_note: str = Field(default="", max_length=500)
    published_at: datetime | None = None
    closed_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Proposal(SQLModel, table=True):
    __tablename__ = "challenge_proposal"
    __table_args__ = (UniqueConstraint("challenge_id", "author_id"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True)
    author_id: int = Field(foreign_key="user.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id")
    result_id: int | None = Field(default=None, foreign_key="result.id")  # the result it builds on
    summary: str = Field(max_length=4000)
    team: str = Field(max_length=2000)
    plan: str = Field(max_length=2000)
    status: ProposalStatus = Field(default=ProposalStatus.submitted, sa_type=String(20))
    pairing_id: int | None = Field(default=None, foreign_key="pairing.id")  # once selected
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ProposalScore(SQLModel, table=True):
    """One reviewer's scores of a proposal, 0–10 per evaluation criterion (re-scoring replaces them)."""

    __tablename__ = "proposal_score"
    __table_args__ = (UniqueConstraint("proposal_id", "scorer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="challenge_proposal.id", index=True)
    scorer_id: int = Field(foreign_key="user.id")
    scores: list[int] = Field(default_factory=list, sa_type=JSON)
    total: float = Field(ge=0, le=100)  # the mean score × 10
    comment: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ChallengeInvitation(SQLModel, table=True):
    """A researcher invited to 揭榜 (they may then see a 保密 challenge)."""

    __tablename__ = "challenge_invitation"
    __table_args__ = (UniqueConstraint("challenge_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    result_id: int | None = Field(default=None, foreign_key="result.id")  # the match that suggested them
    score: float | None = Field(default=None, ge=0, le=100)
    invited_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class ChallengeEvent(SQLModel, table=True):
    __tablename__ = "challenge_event"

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True)
    proposal_id: int | None = Field(default=None, foreign_key="challenge_proposal.id")
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    kind: str = Field(max_length=20)
    note: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)
