"""The operators' figures, computed from needs, results, pairings and their event history.

Every function takes a session and `Filters` and returns plain dataclasses; none writes.
Periods are Beijing dates. What each figure counts:
- funnel: pairings *created* in the period, by the furthest stage their history reached;
- response: needs *published* in the period, and the first party interest or approval on any
  of their pairings (the event's time, even if after the period);
- activity and weekly: needs / results published, pairings created, deals signed in the period;
- headline: what is listed or open now, and the deals signed in the period.
A field filter applies to needs and results by their field, to pairings by their need's field.
"""

import statistics
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from backend.dashboard.figures import (
    ActivityRow,
    Dashboard,
    Funnel,
    Headline,
    Response,
    SignedDeal,
    StageCount,
    WeekRow,
)
from backend.dashboard.filters import Filters, bounds, local, utc_naive
from backend.db import utcnow
from backend.pairings.models import Pairing, PairingEvent
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.timefmt import beijing
from backend.vocab import PairingStatus as S
from backend.vocab import PostingStatus, TechField

FUNNEL_STAGES = (S.suggested, S.interested, S.approved, S.negotiating, S.signed)
# How far along a status is; 待审核 means a party asked, so it counts as 意向.
_RANK = {S.suggested: 0, S.interested: 1, S.pending_review: 1, S.approved: 2, S.negotiating: 3, S.signed: 4}
RESPONSES = frozenset({S.interested, S.pending_review, S.approved, S.negotiating, S.signed})
OPEN = (S.suggested, S.interested, S.pending_review, S.approved, S.negotiating)
RESPONSE_WINDOW = timedelta(days=7)
MAX_WEEKS = 104

__all__ = ["ActivityRow", "Dashboard", "Funnel", "Headline", "Response", "SignedDeal", "WeekRow"]


def _within(stmt: Any, column: Any, filters: Filters) -> Any:
    start, end = bounds(filters)
    if start is not None:
        stmt = stmt.where(column >= start)
    if end is not None:
        stmt = stmt.where(column < end)
    return stmt


def _of_field(stmt: Any, column: Any, filters: Filters) -> Any:
    return stmt.where(column == filters.field) if filters.field else stmt


def _rows(session: Session, stmt: Any) -> list[Any]:
    # sqlalchemy's select: sqlmodel's is typed for at most four columns.
    return list(session.execute(stmt).all())


def _needs(session: Session, filters: Filters) -> list[Any]:
    stmt = sa_select(col(Need.id), col(Need.field), col(Need.region), col(Need.published_at)).where(
        col(Need.published_at).is_not(None)
    )
    stmt = _of_field(_within(stmt, Need.published_at, filters), Need.field, filters)
    return _rows(session, stmt)


def _results(session: Session, filters: Filters) -> list[Any]:
    stmt = sa_select(col(Result.id), col(Result.field), col(Result.region), col(Result.published_at)).where(
        col(Result.published_at).is_not(None)
    )
    stmt = _of_field(_within(stmt, Result.published_at, filters), Result.field, filters)
    return _rows(session, stmt)


def _pairings(session: Session, filters: Filters) -> list[Any]:
    stmt = sa_select(
        col(Pairing.id), col(Pairing.status), col(Pairing.created_at), col(Need.field), col(Need.region)
    ).join(Need, col(Need.id) == Pairing.need_id)
    stmt = _of_field(_within(stmt, Pairing.created_at, filters), Need.field, filters)
    return _rows(session, stmt)


def funnel(*, session: Session, filters: Filters) -> Funnel:
    """Pairings created in the period by the furthest stage reached; each counts in every earlier stage."""
    rows = _pairings(session, filters)
    reached: dict[int, set[S]] = {row[0]: {S(row[1])} for row in rows}
    if reached:
        events = select(PairingEvent.pairing_id, PairingEvent.to_status).where(
            col(PairingEvent.pairing_id).in_(list(reached))
        )
        for pairing_id, to_status in session.exec(events):
            reached[pairing_id].add(S(to_status))
    furthest = Counter(max((_RANK.get(s, 0) for s in statuses), default=0) for statuses in reached.values())
    stages = [
        StageCount(stage.value, stage.label, sum(n for rank, n in furthest.items() if rank >= i))
        for i, stage in enumerate(FUNNEL_STAGES)
    ]
    rejected = sum(1 for statuses in reached.values() if S.rejected in statuses)
    closed = sum(1 for statuses in reached.values() if S.closed in statuses)
    return Funnel(stages=stages, rejected=rejected, closed=closed, total=len(reached))


def response(*, session: Session, filters: Filters, now: datetime | None = None) -> Response:
    """对接率 (answered within 7 days of publication) and median hours to the first answer."""
    needs = {row[0]: utc_naive(row[3]) for row in _needs(session, filters)}
    first: dict[int, datetime] = {}
    if needs:
        stmt = (
            select(Pairing.need_id, PairingEvent.created_at)
            .join(Pairing, col(Pairing.id) == PairingEvent.pairing_id)
            .where(col(Pairing.need_id).in_(list(needs)), col(PairingEvent.to_status).in_(list(RESPONSES)))
        )
        for need_id, at in session.exec(stmt):
            moment = utc_naive(at)
            if need_id not in first or moment < first[need_id]:
                first[need_id] = moment
    waits = {
        nid: max(first[nid] - published, timedelta(0)) for nid, published in needs.items() if nid in first
    }
    within = sum(1 for wait in waits.values() if wait <= RESPONSE_WINDOW)
    cutoff = utc_naive(now or utcnow()) - RESPONSE_WINDOW
    waiting = sum(1 for nid, published in needs.items() if nid not in first and published > cutoff)
    hours = [wait.total_seconds() / 3600 for wait in waits.values()]
    return Response(
        needs_published=len(needs),
        responded_within_7d=within,
        responded_total=len(waits),
        waiting=waiting,
        rate=within / len(needs) if needs else None,
        median_hours=round(statistics.median(hours), 1) if hours else None,
    )


def _activity(counts: dict[str, Counter[str]], keys: list[str], labels: dict[str, str]) -> list[ActivityRow]:
    return [
        ActivityRow(
            key=key,
            label=labels.get(key, key),
            needs=counts["needs"][key],
            results=counts["results"][key],
            pairings=counts["pairings"][key],
        )
        for key in keys
    ]


def _activity_counts(session: Session, filters: Filters, index: int) -> dict[str, Counter[str]]:
    """Counts per field (index 1) or region (index 2) of needs, results and pairings in the period."""
    pairings = _pairings(session, filters)
    return {
        "needs": Counter(str(row[index]) for row in _needs(session, filters)),
        "results": Counter(str(row[index]) for row in _results(session, filters)),
        "pairings": Counter(str(row[2 + index]) for row in pairings),
    }


def by_field(*, session: Session, filters: Filters) -> list[ActivityRow]:
    """Needs, results and pairings per technical field (every field, in the vocabulary's order)."""
    counts = _activity_counts(session, filters, 1)
    fields = [filters.field] if filters.field else list(TechField)
    return _activity(counts, [f.value for f in fields], {f.value: f.label for f in TechField})


def by_region(*, session: Session, filters: Filters) -> list[ActivityRow]:
    """Needs, results and pairings (by the need's region) per region, busiest first; idle regions left out."""
    counts = _activity_counts(session, filters, 2)
    keys = set().union(*(c.keys() for c in counts.values()))
    rows = _activity(counts, sorted(keys), {})
    return sorted(rows, key=lambda r: (-r.total, r.key))


def signed_deals(*, session: Session, filters: Filters) -> list[SignedDeal]:
    """Deals whose 已签约 transition happened in the period, newest first."""
    stmt = (
        sa_select(
            col(Pairing.id),
            col(Need.title),
            col(Result.title),
            col(Need.field),
            col(Need.region),
            col(PairingEvent.created_at),
            col(Pairing.signed_on),
            col(Pairing.contract_amount),
        )
        .join(Pairing, col(Pairing.id) == PairingEvent.pairing_id)
        .join(Need, col(Need.id) == Pairing.need_id)
        .join(Result, col(Result.id) == Pairing.result_id)
        .where(col(PairingEvent.to_status) == S.signed)
    )
    stmt = _of_field(_within(stmt, PairingEvent.created_at, filters), Need.field, filters)
    deals = [
        SignedDeal(
            pairing_id=pid,
            need_title=need_title,
            result_title=result_title,
            field=TechField(tech).label if tech in TechField.__members__ else str(tech),
            region=region,
            signed_at=beijing(at),
            signed_on=signed_on,
            amount=float(amount or 0),
        )
        for pid, need_title, result_title, tech, region, at, signed_on, amount in _rows(session, stmt)
    ]
    return sorted(deals, key=lambda d: (d.signed_at, d.pairing_id), reverse=True)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly(*, session: Session, filters: Filters, signed: list[SignedDeal] | None = None) -> list[WeekRow]:
    """Per ISO week: needs and results published, pairings created, deals signed."""
    series: dict[str, Counter[date]] = {
        "needs": Counter(_monday(local(row[3]).date()) for row in _needs(session, filters)),
        "results": Counter(_monday(local(row[3]).date()) for row in _results(session, filters)),
        "pairings": Counter(_monday(local(row[2]).date()) for row in _pairings(session, filters)),
        "signed": Counter(
            _monday(d.signed_at.date()) for d in (signed or signed_deals(session=session, filters=filters))
        ),
    }
    seen = [monday for counter in series.values() for monday in counter]
    first = _monday(filters.date_from) if filters.date_from else min(seen, default=None)
    last = _monday(filters.date_to) if filters.date_to else max(seen, default=None)
    if first is None or last is None:
        return []
    first = max(first, last - timedelta(weeks=MAX_WEEKS - 1))
    weeks: list[WeekRow] = []
    monday = first
    while monday <= last:
        year, week, _ = monday.isocalendar()
        weeks.append(
            WeekRow(
                week=f"{year}-W{week:02d}",
                start=monday,
                needs=series["needs"][monday],
                results=series["results"][monday],
                pairings=series["pairings"][monday],
                signed=series["signed"][monday],
            )
        )
        monday += timedelta(weeks=1)
    return weeks


def _count(session: Session, stmt: Any) -> int:
    return int(session.exec(stmt).one())


def headline(*, session: Session, filters: Filters, signed: list[SignedDeal] | None = None) -> Headline:
    """Needs and results listed now, pairings open now, deals signed in the period and their amount."""
    needs = _of_field(
        select(func.count()).select_from(Need).where(Need.status == PostingStatus.published),
        Need.field,
        filters,
    )
    results = _of_field(
        select(func.count()).select_from(Result).where(Result.status == PostingStatus.published),
        Result.field,
        filters,
    )
    open_ = _of_field(
        select(func.count())
        .select_from(Pairing)
        .join(Need, col(Need.id) == Pairing.need_id)
        .where(col(Pairing.status).in_(list(OPEN))),
        Need.field,
        filters,
    )
    deals = signed if signed is not None else signed_deals(session=session, filters=filters)
    return Headline(
        listed_needs=_count(session, needs),
        listed_results=_count(session, results),
        open_pairings=_count(session, open_),
        signed_deals=len(deals),
        contract_amount=round(sum(d.amount for d in deals), 2),
    )


def dashboard(*, session: Session, filters: Filters, now: datetime | None = None) -> Dashboard:
    """Every figure of the dashboard for these filters."""
    signed = signed_deals(session=session, filters=filters)
    return Dashboard(
        headline=headline(session=session, filters=filters, signed=signed),
        funnel=funnel(session=session, filters=filters),
        response=response(session=session, filters=filters, now=now),
        by_field=by_field(session=session, filters=filters),
        by_region=by_region(session=session, filters=filters),
        weekly=weekly(session=session, filters=filters, signed=signed),
        signed=signed,
    )
