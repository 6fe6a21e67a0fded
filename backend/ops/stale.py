"""Stale postings (/ops/stale): published, yet neither edited nor shown interest in for N days.

"Interest" is any pairing of the posting past 推荐 (a party asked, a review or a deal moved it);
a pairing the engine or an operator merely suggested does not count. N is `KEMATCH_STALE_DAYS` (60), and
the page may ask for another N.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from backend.accounts.models import Organisation
from backend.db import utcnow
from backend.pairings.models import Pairing
from backend.postings.kinds import KINDS
from backend.timefmt import as_utc, show_time
from backend.vocab import PairingStatus, PostingStatus

LIMIT = 200  # per side
MAX_DAYS = 3650


@dataclass(frozen=True)
class StaleRow:
    """One published posting nobody has touched for a while."""

    kind: str
    kind_label: str
    id: int
    title: str
    organisation: str
    edited_at: datetime
    interest_at: datetime | None
    idle_days: int

    @property
    def url(self) -> str:
        return f"/{self.kind}s/{self.id}"

    @property
    def edited_text(self) -> str:
        return show_time(self.edited_at)

    @property
    def interest_text(self) -> str:
        return show_time(self.interest_at) if self.interest_at else "从未有人表达意向"


def clamp_days(days: int | None, default: int) -> int:
    """N as asked for, within 1..MAX_DAYS (the setting when not asked)."""
    return default if days is None else max(1, min(MAX_DAYS, days))


def _side(session: Session, name: str, cutoff: datetime, now: datetime) -> list[StaleRow]:
    kind = KINDS[name]
    m: Any = kind.model
    link = col(Pairing.need_id) if name == "need" else col(Pairing.result_id)
    interest = (
        select(link.label("item_id"), func.max(Pairing.updated_at).label("at"))
        .where(col(Pairing.status) != PairingStatus.suggested)
        .group_by(link)
        .subquery()
    )
    stmt = (
        select(m, Organisation.name, interest.c.at)
        .join(Organisation, col(Organisation.id) == m.organisation_id)
        .outerjoin(interest, interest.c.item_id == m.id)
        .where(m.status == PostingStatus.published, m.updated_at < cutoff)
        .where((interest.c.at.is_(None)) | (interest.c.at < cutoff))
        .order_by(m.updated_at, m.id)
        .limit(LIMIT)
    )
    rows = []
    for item, org_name, interest_at in session.exec(stmt):
        last = max(as_utc(item.updated_at), as_utc(interest_at) if interest_at else as_utc(item.updated_at))
        rows.append(
            StaleRow(
                kind=name,
                kind_label=kind.label,
                id=item.id,
                title=item.title,
                organisation=org_name,
                edited_at=as_utc(item.updated_at),
                interest_at=as_utc(interest_at) if interest_at else None,
                idle_days=(as_utc(now) - last).days,
            )
        )
    return rows


def stale_postings(*, session: Session, days: int, now: datetime | None = None) -> list[StaleRow]:
    """Published needs and results with no edit and no interest for `days` days, longest idle first."""
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    rows = [row for name in KINDS for row in _side(session, name, cutoff, now)]
    return sorted(rows, key=lambda r: (-r.idle_days, r.kind, r.id))
