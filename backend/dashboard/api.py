"""The dashboard's figures as JSON, with the page's filters."""

from dataclasses import asdict
from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from backend.accounts.deps import OperatorUser
from backend.dashboard.metrics import Dashboard, dashboard
from backend.dashboard.pages import DateParam, FieldParam, PresetParam, ToParam, filters_from
from backend.deps import SessionDep

router = APIRouter(prefix="/ops", tags=["dashboard"])


class DashboardOut(BaseModel):
    """Every figure, plus the period and field they cover."""

    date_from: date | None
    date_to: date | None
    field: str | None
    preset: str
    figures: dict[str, Any]


def _plain(data: Dashboard) -> dict[str, Any]:
    out = asdict(data)
    for rows in (out["by_field"], out["by_region"]):
        for row in rows:
            row["total"] = row["needs"] + row["results"] + row["pairings"]
    return out


@router.get("/dashboard")
def dashboard_json(
    session: SessionDep,
    operator: OperatorUser,
    preset: PresetParam = None,
    date_from: DateParam = None,
    date_to: ToParam = None,
    field: FieldParam = None,
) -> DashboardOut:
    """Headline numbers, funnel, response rate, activity by field and region, weekly trend, signed deals."""
    filters = filters_from(preset, date_from, date_to, field)
    return DashboardOut(
        date_from=filters.date_from,
        date_to=filters.date_to,
        field=filters.field.value if filters.field else None,
        preset=filters.preset,
        figures=_plain(dashboard(session=session, filters=filters)),
    )
