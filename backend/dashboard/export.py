"""The dashboard's figures as CSV tables that Excel opens correctly."""

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from backend.dashboard.metrics import ActivityRow, Dashboard
from backend.timefmt import show_time

BOM = "\ufeff"  # Excel reads a BOM-less CSV as the local code page and garbles Chinese
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Table = tuple[list[str], list[list[Any]]]


def safe_cell(value: Any) -> Any:
    """A cell that a spreadsheet will not run as a formula (text starting with = + - @ gets a quote)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV text with a BOM, every cell neutralised."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if cell is None else safe_cell(cell) for cell in row])
    return out.getvalue()


def _pct(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.1f}%"


def _headline(d: Dashboard) -> Table:
    h = d.headline
    rows: list[list[Any]] = [
        ["挂牌需求（当前）", h.listed_needs],
        ["挂牌成果（当前）", h.listed_results],
        ["进行中的对接（当前）", h.open_pairings],
        ["期内签约（项）", h.signed_deals],
        ["期内合同金额（万元）", h.contract_amount],
    ]
    return ["指标", "数值"], rows


def _funnel(d: Dashboard) -> Table:
    top = d.funnel.stages[0].count if d.funnel.stages else 0
    rows: list[list[Any]] = [
        [s.label, s.count, _pct(s.count / top if top else None)] for s in d.funnel.stages
    ]
    rows += [["已拒绝", d.funnel.rejected, ""], ["已关闭", d.funnel.closed, ""]]
    return ["阶段", "对接数", "占推荐"], rows


def _response(d: Dashboard) -> Table:
    r = d.response
    rows: list[list[Any]] = [
        ["期内发布需求", r.needs_published],
        ["7 天内获得响应", r.responded_within_7d],
        ["对接率（7 天内）", _pct(r.rate)],
        ["获得响应（不限时间）", r.responded_total],
        ["首次响应中位时长（小时）", "" if r.median_hours is None else r.median_hours],
        ["发布未满 7 天、尚未响应", r.waiting],
    ]
    return ["指标", "数值"], rows


def _activity(first: str) -> Callable[[list[ActivityRow]], Table]:
    def table(rows: list[ActivityRow]) -> Table:
        return [first, "需求", "成果", "对接"], [[r.label, r.needs, r.results, r.pairings] for r in rows]

    return table


def _weekly(d: Dashboard) -> Table:
    header = ["周", "周一", "发布需求", "发布成果", "新建对接", "签约"]
    return header, [[w.week, w.start.isoformat(), w.needs, w.results, w.pairings, w.signed] for w in d.weekly]


def _signed(d: Dashboard) -> Table:
    header = [
        "对接编号",
        "技术需求",
        "科技成果",
        "技术领域",
        "地区",
        "签约时间",
        "签约日期",
        "合同金额（万元）",
    ]
    rows = [
        [
            s.pairing_id,
            s.need_title,
            s.result_title,
            s.field,
            s.region,
            show_time(s.signed_at),
            s.signed_on.isoformat() if s.signed_on else "",
            s.amount,
        ]
        for s in d.signed
    ]
    return header, rows


@dataclass(frozen=True)
class Figure:
    slug: str
    title: str
    table: Callable[[Dashboard], Table]


FIGURES: dict[str, Figure] = {
    f.slug: f
    for f in (
        Figure("headline", "核心指标", _headline),
        Figure("funnel", "对接漏斗", _funnel),
        Figure("response", "对接率与响应时长", _response),
        Figure("fields", "分领域活跃度", lambda d: _activity("技术领域")(d.by_field)),
        Figure("regions", "分地区活跃度", lambda d: _activity("地区")(d.by_region)),
        Figure("weekly", "每周趋势", _weekly),
        Figure("signed", "签约明细", _signed),
    )
}
