"""The challenge figures the dashboard shows beside the pairing funnel.

Over the challenges published in the period: how many, proposals per challenge, the median time
from publication to the first proposal, and 揭榜成功率 = challenges decided with a 挂帅 team /
challenges that ended (selected or closed without one).
"""

from dataclasses import dataclass
from datetime import datetime
from statistics import median

from sqlmodel import Session, col, func, select

from backend.challenges.models import Challenge, ChallengeStatus, Proposal
from backend.postings.need_model import Need
from backend.timefmt import as_utc
from backend.vocab import TechField


@dataclass(frozen=True)
class ChallengeFigures:
    published: int
    open: int  # still taking proposals or under review
    proposals: int
    proposals_per_challenge: float | None
    median_hours_to_first: float | None  # over challenges that got a proposal
    selected: int
    closed: int  # ended without a selection
    success_rate: float | None  # selected / (selected + closed), 0..1

    @property
    def ended(self) -> int:
        return self.selected + self.closed


def challenge_figures(
    *,
    session: Session,
    start: datetime | None = None,
    end: datetime | None = None,
    field: TechField | None = None,
) -> ChallengeFigures:
    """Figures over the challenges published in [start, end) (UTC; None = open), of needs in `field`."""
    stmt = select(Challenge).where(col(Challenge.published_at).is_not(None))
    if field is not None:
        stmt = stmt.where(col(Challenge.need_id).in_(select(Need.id).where(Need.field == field)))
    if start is not None:
        stmt = stmt.where(col(Challenge.published_at) >= start)
    if end is not None:
        stmt = stmt.where(col(Challenge.published_at) < end)
    rows = list(session.exec(stmt))
    ids = [c.id for c in rows]
    firsts: dict[int, datetime] = {}
    counts: dict[int, int] = {}
    if ids:
        agg = (
            select(Proposal.challenge_id, func.count(), func.min(Proposal.created_at))
            .where(col(Proposal.challenge_id).in_(ids))
            .group_by(col(Proposal.challenge_id))
        )
        for challenge_id, n, first in session.exec(agg):
            counts[challenge_id], firsts[challenge_id] = int(n), as_utc(first)
    waits = [
        (firsts[c.id] - as_utc(c.published_at)).total_seconds() / 3600
        for c in rows
        if c.id in firsts and c.published_at is not None
    ]
    selected = sum(1 for c in rows if c.status == ChallengeStatus.selected)
    closed = sum(1 for c in rows if c.status == ChallengeStatus.closed)
    total = sum(counts.values())
    return ChallengeFigures(
        published=len(rows),
        open=sum(1 for c in rows if c.status == ChallengeStatus.published),
        proposals=total,
        proposals_per_challenge=round(total / len(rows), 1) if rows else None,
        median_hours_to_first=round(median(max(w, 0.0) for w in waits), 1) if waits else None,
        selected=selected,
        closed=closed,
        success_rate=selected / (selected + closed) if selected + closed else None,
    )
