"""The operator's stale-postings page (/ops/stale)."""

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from backend.accounts.deps import OperatorUser
from backend.config import get_settings
from backend.deps import SessionDep
from backend.ops.stale import StaleRow, clamp_days, stale_postings
from backend.templating import render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class StalePage:
    """Context of the stale-postings list."""

    title: str
    days: int
    default_days: int
    rows: list[StaleRow]


@router.get("/ops/stale", response_class=HTMLResponse)
def stale_list(request: Request, session: SessionDep, operator: OperatorUser) -> HTMLResponse:
    default = get_settings().stale_days
    asked = request.query_params.get("days", "")
    days = clamp_days(int(asked) if asked.isascii() and asked.isdigit() and len(asked) < 6 else None, default)
    page = StalePage(
        title="沉寂信息",
        days=days,
        default_days=default,
        rows=stale_postings(session=session, days=days),
    )
    return render(request, "ops/stale.html", page)
