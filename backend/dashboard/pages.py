"""The operators' dashboard page and its CSV downloads."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from backend.accounts.deps import OperatorUser
from backend.challenges.figures import ChallengeFigures, challenge_figures
from backend.dashboard import charts
from backend.dashboard.export import FIGURES, to_csv
from backend.dashboard.filters import PRESETS, Filters, bounds, parse_filters, today_beijing
from backend.dashboard.metrics import ActivityRow, Dashboard, dashboard
from backend.db import utcnow
from backend.deps import SessionDep
from backend.errors import NotFound
from backend.templating import render
from backend.vocab import TechField

router = APIRouter(include_in_schema=False)

TOP_REGIONS = 12  # the chart shows the busiest regions; the CSV has them all

DateParam = Annotated[str | None, Query(alias="from", max_length=10)]
ToParam = Annotated[str | None, Query(alias="to", max_length=10)]
PresetParam = Annotated[str | None, Query(max_length=10)]
FieldParam = Annotated[str | None, Query(max_length=32)]


def filters_from(
    preset: str | None, date_from: str | None, date_to: str | None, field: str | None
) -> Filters:
    """Filters from the query string (the page, the CSVs and the JSON API read the same parameters)."""
    return parse_filters(preset=preset, date_from=date_from, date_to=date_to, field=field)


@dataclass(frozen=True)
class DashboardPage:
    """Context of the dashboard page."""

    title: str
    filters: Filters
    data: Dashboard
    funnel_svg: Markup
    rate_svg: Markup
    fields_svg: Markup
    regions_svg: Markup
    weekly_svg: Markup
    challenges: ChallengeFigures  # 揭榜挂帅, over the challenges published in the period
    presets: list[tuple[str, str]]
    fields: list[tuple[str, str]]
    generated_at: datetime

    def csv_url(self, figure: str) -> str:
        query = self.filters.query()
        return f"/ops/dashboard/{figure}.csv" + (f"?{query}" if query else "")

    def preset_url(self, preset: str) -> str:
        field = self.filters.field.value if self.filters.field else ""
        return "/ops/dashboard?" + Filters(preset=preset).query(field=field)


def _top_regions(rows: list[ActivityRow]) -> list[ActivityRow]:
    if len(rows) <= TOP_REGIONS:
        return rows
    rest = rows[TOP_REGIONS - 1 :]
    other = ActivityRow(
        key="其他",
        label=f"其他 {len(rest)} 地",
        needs=sum(r.needs for r in rest),
        results=sum(r.results for r in rest),
        pairings=sum(r.pairings for r in rest),
    )
    return [*rows[: TOP_REGIONS - 1], other]


@router.get("/ops/dashboard", response_class=HTMLResponse)
def dashboard_page(
    request: Request,
    session: SessionDep,
    operator: OperatorUser,
    preset: PresetParam = None,
    date_from: DateParam = None,
    date_to: ToParam = None,
    field: FieldParam = None,
) -> HTMLResponse:
    """The figures operators are judged on, as charts."""
    filters = filters_from(preset, date_from, date_to, field)
    data = dashboard(session=session, filters=filters)
    rate_caption = f"{data.response.responded_within_7d} / {data.response.needs_published} 条需求"
    series3 = (charts.NEEDS, charts.RESULTS, charts.PAIRINGS)
    weekly_series = (*series3, charts.SIGNED)
    regions = _top_regions(data.by_region)
    page = DashboardPage(
        title="数据看板",
        filters=filters,
        data=data,
        # Each chart twice, laid out for a desktop card and for a phone's (the CSS shows one).
        funnel_svg=charts.responsive(lambda narrow: charts.funnel_chart(data.funnel, narrow=narrow)),
        rate_svg=charts.rate_ring(data.response.rate, rate_caption),
        fields_svg=charts.responsive(
            lambda narrow: charts.grouped_bars(
                data.by_field, series3, "各技术领域的需求、成果与对接数", narrow=narrow
            )
        ),
        regions_svg=charts.responsive(
            lambda narrow: charts.grouped_bars(regions, series3, "各地区的需求、成果与对接数", narrow=narrow)
        ),
        weekly_svg=charts.responsive(
            lambda narrow: charts.week_lines(
                data.weekly, weekly_series, "每周发布的需求、成果，新建对接与签约数", narrow=narrow
            )
        ),
        challenges=challenge_figures(
            session=session, start=bounds(filters)[0], end=bounds(filters)[1], field=filters.field
        ),
        presets=list(PRESETS.items()),
        fields=TechField.choices(),
        generated_at=utcnow(),
    )
    return render(request, "dashboard/index.html", page)


@router.get("/ops/dashboard/{figure}.csv")
def dashboard_csv(
    figure: str,
    session: SessionDep,
    operator: OperatorUser,
    preset: PresetParam = None,
    date_from: DateParam = None,
    date_to: ToParam = None,
    field: FieldParam = None,
) -> Response:
    """One figure as a CSV file, with the page's filters."""
    chosen = FIGURES.get(figure)
    if chosen is None:
        raise NotFound("没有这个图表")
    filters = filters_from(preset, date_from, date_to, field)
    header, rows = chosen.table(dashboard(session=session, filters=filters))
    stamp = (filters.date_to or filters.date_from or today_beijing()).isoformat()
    name = f"{chosen.title}-{stamp}.csv"
    return Response(
        to_csv(header, rows).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f"attachment; filename=\"{figure}.csv\"; filename*=UTF-8''{quote(name)}"
        },
    )
