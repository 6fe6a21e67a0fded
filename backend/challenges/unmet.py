"""未满足需求: published needs the platform is not answering.

A need is unmet when its best match on the platform is below the 弱相关 band (the engine finds
nothing even weakly related: `embeddings.strength`), or when nobody has shown interest in it for
`days` days (no pairing reached 意向 or beyond in that time, and none is under way at 已批准 or
later). Each such need is a candidate for a 揭榜挂帅 challenge.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from backend.challenges.best_match import best_scores
from backend.challenges.models import Challenge
from backend.db import utcnow
from backend.engine import current as matching_engine
from backend.pairings.models import Pairing, PairingEvent
from backend.postings.need_model import Need
from backend.timefmt import as_utc
from backend.vocab import PairingStatus, PostingStatus, TechField
from embeddings.strength import BANDS, display_score, strength_band

WEAK_MIN = next(b.min_score for b in BANDS if b.key == "weak")
DEFAULT_DAYS = 30
INTEREST = (
    PairingStatus.interested,
    PairingStatus.pending_review,
    PairingStatus.approved,
    PairingStatus.negotiating,
    PairingStatus.signed,
)
UNDER_WAY = (PairingStatus.approved, PairingStatus.negotiating, PairingStatus.signed)

BestScore = Callable[[Need], float | None]


@dataclass(frozen=True)
class UnmetNeed:
    need: Need
    best_score: float | None  # None: not judged (matching off)
    last_interest: datetime | None
    weak: bool  # best match below 弱相关
    quiet: bool  # no interest for `days` days
    challenge_id: int | None  # the newest challenge drafted from it, if any

    @property
    def reasons(self) -> list[str]:
        out: list[str] = []
        if self.weak and self.best_score is not None:
            band = strength_band(self.best_score).label
            out.append(f"最佳匹配仅 {display_score(self.best_score)} 分（{band}）")
        if self.quiet:
            out.append("从未有人表达意向" if self.last_interest is None else "近期无人表达意向")
        return out


@dataclass(frozen=True)
class Tally:
    key: str
    label: str
    count: int


@dataclass
class UnmetReport:
    days: int
    judged_by_engine: bool
    needs: list[UnmetNeed] = field(default_factory=list)
    published: int = 0

    @property
    def by_field(self) -> list[Tally]:
        counts = Counter(str(u.need.field) for u in self.needs)
        return [Tally(f.value, f.label, counts[f.value]) for f in TechField if counts[f.value]]

    @property
    def by_region(self) -> list[Tally]:
        counts = Counter(u.need.region for u in self.needs)
        return [Tally(r, r, n) for r, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _last_interest(session: Session) -> dict[int, datetime]:
    stmt = (
        select(Pairing.need_id, func.max(PairingEvent.created_at))
        .join(PairingEvent, col(PairingEvent.pairing_id) == Pairing.id)
        .where(col(PairingEvent.to_status).in_(INTEREST))
        .group_by(col(Pairing.need_id))
    )
    return {need_id: as_utc(at) for need_id, at in session.exec(stmt)}


def _under_way(session: Session) -> set[int]:
    stmt = select(Pairing.need_id).where(col(Pairing.status).in_(UNDER_WAY))
    return set(session.exec(stmt))


def _challenges(session: Session) -> dict[int, int]:
    stmt = select(Challenge.need_id, func.max(Challenge.id)).group_by(col(Challenge.need_id))
    return {need_id: challenge_id for need_id, challenge_id in session.exec(stmt) if challenge_id}


def _engine_best(session: Session, needs: list[Need]) -> BestScore:
    scores = best_scores(needs=needs)
    return lambda need: None if scores is None else scores[need.id or 0]


def unmet_needs(
    *,
    session: Session,
    days: int = DEFAULT_DAYS,
    best: BestScore | None = None,
    now: datetime | None = None,
) -> UnmetReport:
    """Every published need that is unmet, weakest best match first (`best`: each need's best
    match score; by default the running engine's, kept until the index changes)."""
    now = now or utcnow()
    since = now - timedelta(days=days)
    needs = list(session.exec(select(Need).where(Need.status == PostingStatus.published)))
    best = best or _engine_best(session, needs)
    interest, busy, drafted = _last_interest(session), _under_way(session), _challenges(session)
    report = UnmetReport(days=days, judged_by_engine=matching_engine() is not None, published=len(needs))
    for need in needs:
        assert need.id is not None
        score = best(need)
        weak = score is not None and strength_band(score).key == "none"
        last = interest.get(need.id)
        published = as_utc(need.published_at or need.created_at)
        quiet = need.id not in busy and published <= since and (last is None or last <= since)
        if weak or quiet:
            report.needs.append(UnmetNeed(need, score, last, weak, quiet, drafted.get(need.id)))
    report.needs.sort(key=lambda u: (u.best_score if u.best_score is not None else 101, u.need.id or 0))
    return report
