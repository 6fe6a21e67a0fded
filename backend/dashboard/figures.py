"""The figures the dashboard shows, as plain dataclasses (what metrics.py returns)."""

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class StageCount:
    status: str
    label: str
    count: int


@dataclass(frozen=True)
class Funnel:
    stages: list[StageCount]
    rejected: int
    closed: int
    total: int


@dataclass(frozen=True)
class Response:
    needs_published: int
    responded_within_7d: int
    responded_total: int
    waiting: int  # published less than 7 days ago and not answered yet
    rate: float | None  # responded_within_7d / needs_published, 0..1
    median_hours: float | None  # over needs that got any response


@dataclass(frozen=True)
class ActivityRow:
    key: str
    label: str
    needs: int = 0
    results: int = 0
    pairings: int = 0

    @property
    def total(self) -> int:
        return self.needs + self.results + self.pairings


@dataclass(frozen=True)
class WeekRow:
    week: str  # ISO week, "2026-W03"
    start: date  # its Monday
    needs: int = 0
    results: int = 0
    pairings: int = 0
    signed: int = 0


@dataclass(frozen=True)
class SignedDeal:
    pairing_id: int
    need_title: str
    result_title: str
    field: str
    region: str
    signed_at: datetime  # the 已签约 transition, as an aware Beijing time
    signed_on: date | None
    amount: float


@dataclass(frozen=True)
class Headline:
    listed_needs: int
    listed_results: int
    open_pairings: int
    signed_deals: int
    contract_amount: float  # 万元


@dataclass(frozen=True)
class Dashboard:
    headline: Headline
    funnel: Funnel
    response: Response
    by_field: list[ActivityRow]
    by_region: list[ActivityRow]
    weekly: list[WeekRow]
    signed: list[SignedDeal] = field(default_factory=list)
