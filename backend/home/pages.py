"""The home page (科创大厅): the search box, fields with their counts, the newest postings."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session, col, func, select

from backend.accounts.deps import MaybeViewer
from backend.deps import SessionDep
from backend.postings import needs as needs_service
from backend.postings import results as results_service
from backend.postings.list_query import MAX_Q
from backend.postings.listing import ListFilters
from backend.postings.need_model import Need, NeedPublic
from backend.postings.result_model import Result, ResultPublic
from backend.templating import redirect, render
from backend.vocab import TechField

router = APIRouter(include_in_schema=False)

NEWEST = 6


@dataclass(frozen=True)
class FieldEntry:
    """One technical field on the home page, with its listed counts."""

    field: TechField
    needs: int
    results: int


@dataclass
class HomePage:
    """Context of the home page."""

    title: str
    need_count: int
    result_count: int
    fields: list[FieldEntry]
    newest_needs: list[NeedPublic]
    newest_results: list[ResultPublic]


def _counts_by_field(session: Session, model: Any, clause: Any) -> dict[str, int]:
    stmt = select(col(model.field), func.count()).where(clause).group_by(col(model.field))
    return {str(tech): int(n) for tech, n in session.exec(stmt).all()}


def _home(session: Session) -> HomePage:
    # The hall shows what is listed to everyone, whoever is looking.
    need_counts = _counts_by_field(session, Need, needs_service.visible_clause(None))
    result_counts = _counts_by_field(session, Result, results_service.visible_clause(None))
    needs, need_total = needs_service.list_needs(
        session=session, user=None, filters=ListFilters(), limit=NEWEST
    )
    results, result_total = results_service.list_results(
        session=session, user=None, filters=ListFilters(), limit=NEWEST
    )
    return HomePage(
        title="科创大厅",
        need_count=need_total,
        result_count=result_total,
        fields=[FieldEntry(f, need_counts.get(f.value, 0), result_counts.get(f.value, 0)) for f in TechField],
        newest_needs=[needs_service.public_view(session=session, need=n, user=None) for n in needs],
        newest_results=[results_service.public_view(session=session, result=r, user=None) for r in results],
    )


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, viewer: MaybeViewer) -> HTMLResponse:
    return render(request, "home/index.html", _home(session))


@router.get("/search")
def search(q: str = "", side: str = "results") -> RedirectResponse:
    """The home search box: send the words to the chosen list."""
    target = "/needs" if side == "needs" else "/results"
    words = q.strip()[:MAX_Q]
    return redirect(f"{target}?{urlencode({'q': words})}" if words else target)
