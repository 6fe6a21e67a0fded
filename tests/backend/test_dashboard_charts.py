"""The dashboard's SVG charts read on a phone: each comes with a layout drawn for a phone's card."""

import re
from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup, Tag
from markupsafe import Markup

from backend.dashboard import charts
from backend.dashboard.figures import ActivityRow, Funnel, StageCount, WeekRow
from backend.vocab import TechField

PHONE_CARD = 310  # px: a 390 px screen less the page's and the card's padding
READABLE = 11  # px, the smallest text a phone reader should get

SERIES = (charts.NEEDS, charts.RESULTS, charts.PAIRINGS)
FUNNEL = Funnel(
    stages=[
        StageCount(s, label, n) for s, label, n in [("a", "推荐", 40), ("b", "意向", 22), ("c", "已签约", 3)]
    ],
    rejected=1,
    closed=2,
    total=40,
)
FIELDS = [
    ActivityRow(f.value, f.label, needs=i, results=2 * i, pairings=i // 2) for i, f in enumerate(TechField)
]
WEEKS = [
    WeekRow(f"2026-W{i:02}", date(2026, 1, 5) + timedelta(weeks=i), i, 2 * i, 1, 0) for i in range(1, 14)
]

BUILDERS = {
    "funnel": lambda narrow: charts.funnel_chart(FUNNEL, narrow=narrow),
    "bars": lambda narrow: charts.grouped_bars(FIELDS, SERIES, "各领域", narrow=narrow),
    "empty bars": lambda narrow: charts.grouped_bars([], SERIES, "无数据", narrow=narrow),
    "weeks": lambda narrow: charts.week_lines(WEEKS, (*SERIES, charts.SIGNED), "每周", narrow=narrow),
}


def svg_of(markup: Markup) -> Tag:
    svg = BeautifulSoup(str(markup), "html.parser").find("svg")
    assert isinstance(svg, Tag)
    return svg


def rendered_sizes(svg: Tag, width_px: float) -> list[float]:
    """Each text's size in CSS pixels when the chart is drawn `width_px` wide (it scales to its card)."""
    view_width = float(str(svg["viewbox"]).split()[2])  # html.parser lowercases attribute names
    return [float(str(t["font-size"])) * width_px / view_width for t in svg.find_all("text")]


@pytest.mark.parametrize("name", BUILDERS)
def test_phone_layout_text_is_readable_in_a_phone_card(name: str) -> None:
    svg = svg_of(BUILDERS[name](True))
    assert "chart-narrow" in svg["class"]
    sizes = rendered_sizes(svg, PHONE_CARD)
    assert sizes and min(sizes) >= READABLE, (name, min(sizes))


@pytest.mark.parametrize("name", ["funnel", "bars", "weeks"])
def test_the_desktop_layout_would_not_be(name: str) -> None:
    # Why the phone layout exists: the desktop one squeezed into the same card.
    assert min(rendered_sizes(svg_of(BUILDERS[name](False)), PHONE_CARD)) < 8


@pytest.mark.parametrize("name", BUILDERS)
def test_responsive_ships_both_layouts_with_the_same_label(name: str) -> None:
    both = BeautifulSoup(str(charts.responsive(BUILDERS[name])), "html.parser").find_all("svg")
    assert [svg["class"] for svg in both] == [["chart", "chart-wide"], ["chart", "chart-narrow"]]
    assert both[0]["aria-label"] == both[1]["aria-label"] and both[0]["role"] == "img"


def test_week_labels_stay_inside_the_chart_and_are_thinned() -> None:
    svg = svg_of(BUILDERS["weeks"](True))
    width = float(str(svg["viewbox"]).split()[2])
    dates = [t for t in svg.find_all("text") if re.fullmatch(r"\d+/\d+", t.get_text())]
    assert 2 <= len(dates) <= 5
    for t in dates:
        half = len(t.get_text()) * float(str(t["font-size"])) * 0.3
        assert half <= float(str(t["x"])) <= width - half, t
