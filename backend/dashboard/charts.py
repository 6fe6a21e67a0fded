"""Server-rendered SVG charts: plain markup, no scripts, text that reads in Chinese.

Each function returns Markup for inline use. Every chart carries a <title> and an aria-label,
and every mark a <title> with its exact value (shown as a tooltip on hover).

A chart scales to its card's width, so its text shrinks with it: a desktop chart (520–720 units
wide) shown 310 px wide on a phone had 5–7 px labels. `narrow=True` lays a chart out about as
wide as a phone's card (NARROW units), with text of 12 units or more, and `responsive` ships both:
the page's CSS shows the one that fits (`.chart-wide` / `.chart-narrow`).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from backend.dashboard.metrics import Funnel, WeekRow

FUNNEL_COLOURS = ("#f3b7c0", "#e67f90", "#d84a63", "#c8102e", "#8f0b21")
NARROW = 320  # viewBox width of the phone layouts: a 390 px screen gives the card about 310 px


@dataclass(frozen=True)
class Series:
    """One data series: which attribute of each row, its name and its colour."""

    attr: str
    name: str
    colour: str


NEEDS = Series("needs", "需求", "#c8102e")
RESULTS = Series("results", "成果", "#1f6feb")
PAIRINGS = Series("pairings", "对接", "#d97706")
SIGNED = Series("signed", "签约", "#177245")


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _svg(width: int, height: int, label: str, body: list[str], variant: str = "") -> Markup:
    title = escape(label)
    klass = f"chart chart-{variant}" if variant else "chart"
    return Markup(
        f'<svg class="{klass}" viewBox="0 0 {width} {height}" width="{width}" role="img" '
        f'aria-label="{title}" xmlns="http://www.w3.org/2000/svg"><title>{title}</title>'
        + "".join(body)
        + "</svg>"
    )


def _text(x: float, y: float, text: Any, *, anchor: str = "start", cls: str = "", size: int = 13) -> str:
    klass = f' class="{cls}"' if cls else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}"{klass}>'
        f"{escape(str(text))}</text>"
    )


def responsive(build: Callable[[bool], Markup]) -> Markup:
    """The desktop and the phone layout of one chart (`build(narrow)`); CSS shows one of them."""
    return build(False) + build(True)


def nice_ceiling(value: float, ticks: int = 4) -> tuple[float, float]:
    """A round axis maximum ≥ value and its tick step (1, 2 or 5 × 10ⁿ)."""
    if value <= 0:
        return 1.0, 1.0
    raw = value / ticks
    magnitude = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 1
    for m in (1, 2, 5, 10):
        step = m * magnitude
        if step >= raw:
            break
    step = max(step, 1)
    top = step * -(-value // step)
    return float(top), float(step)


def legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    """A one-line legend of coloured swatches."""
    out = []
    for s in series:
        out.append(f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" rx="2" fill="{s.colour}"/>')
        out.append(_text(x + 17, y, s.name, cls="legend"))
        x += 30 + 14 * len(s.name)
    return out


def funnel_chart(funnel: Funnel, *, narrow: bool = False) -> Markup:
    """Centred bars, one per stage, with the count and its share of the first stage."""
    width, row, left, right = (NARROW, 40, 60, 46) if narrow else (640, 46, 96, 110)
    span = width - left - right
    top = max((s.count for s in funnel.stages), default=0)
    body: list[str] = []
    for i, stage in enumerate(funnel.stages):
        y = 8 + i * row
        w = max(span * stage.count / top, 2.0) if top else 2.0
        x = left + (span - w) / 2
        share = f"{stage.count / top:.0%}" if top else "—"
        colour = FUNNEL_COLOURS[i % len(FUNNEL_COLOURS)]
        body.append(
            f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row - 10}" rx="4" fill="{colour}">'
            f"<title>{escape(stage.label)}：{stage.count} 个对接（占推荐 {share}）</title></rect>"
        )
        body.append(_text(left - 12, y + row / 2, stage.label, anchor="end", cls="axis-label", size=14))
        ink = "bar-value-light" if i >= 2 and w > 40 else "bar-value"
        body.append(_text(left + span / 2, y + row / 2, _fmt(stage.count), anchor="middle", cls=ink, size=15))
        body.append(_text(width - 8, y + row / 2, share, anchor="end", cls="muted-label"))
    label = "对接漏斗：" + "，".join(f"{s.label} {s.count}" for s in funnel.stages)
    return _svg(width, 8 + len(funnel.stages) * row, label, body, "narrow" if narrow else "wide")


def rate_ring(rate: float | None, caption: str) -> Markup:
    """A ring filled to `rate` (0..1) with the percentage in its centre."""
    size, r, stroke = 180, 70, 18
    c = size / 2
    circumference = 2 * 3.14159265 * r
    filled = circumference * (rate or 0)
    text = f"{rate:.0%}" if rate is not None else "—"
    body = [
        f'<circle cx="{c}" cy="{c}" r="{r}" fill="none" stroke="#eef2f7" stroke-width="{stroke}"/>',
        f'<circle cx="{c}" cy="{c}" r="{r}" fill="none" stroke="#177245" stroke-width="{stroke}" '
        f'stroke-linecap="round" stroke-dasharray="{filled:.1f} {circumference:.1f}" '
        f'transform="rotate(-90 {c} {c})"/>'
        if rate
        else "",
        _text(c, c + 4, text, anchor="middle", cls="ring-value", size=34),
        _text(c, c + 30, caption, anchor="middle", cls="muted-label", size=13),
    ]
    return _svg(size, size, f"{caption} {text}", body)


def grouped_bars(
    rows: Sequence[Any], series: Sequence[Series], label: str, *, narrow: bool = False
) -> Markup:
    """Horizontal grouped bars: one block per category (label on the left), one bar per series."""
    width, left, right, bar, gap, pad = (NARROW, 106, 30, 13, 2, 14) if narrow else (520, 124, 40, 11, 2, 14)
    small = 12 if narrow else 11  # ticks and values
    span = width - left - right
    block = len(series) * (bar + gap) + pad
    top_value = max((getattr(r, s.attr) for r in rows for s in series), default=0)
    axis_max, step = nice_ceiling(top_value or 1)
    head = 30
    height = head + max(len(rows), 1) * block + 22
    body = legend(series, left, 16)
    tick = 0.0
    while tick <= axis_max + 1e-9:
        x = left + span * tick / axis_max
        body.append(f'<line x1="{x:.1f}" y1="{head - 4}" x2="{x:.1f}" y2="{height - 20}" class="grid"/>')
        body.append(_text(x, height - 4, _fmt(tick), anchor="middle", cls="muted-label", size=small))
        tick += step
    for i, row in enumerate(rows):
        y = head + i * block
        size = 12 if narrow else 13
        body.append(_text(left - 8, y + block / 2 - 2, row.label, anchor="end", cls="axis-label", size=size))
        for j, s in enumerate(series):
            value = getattr(row, s.attr)
            w = span * value / axis_max
            by = y + j * (bar + gap)
            body.append(
                f'<rect x="{left}" y="{by}" width="{max(w, 0.0):.1f}" height="{bar}" rx="2" fill="{s.colour}">'
                f"<title>{escape(row.label)} · {s.name}：{value}</title></rect>"
            )
            body.append(_text(left + w + 4, by + bar - 1, _fmt(value), cls="bar-value", size=small))
    if not rows:
        body.append(
            _text(left + span / 2, head + block / 2, "所选时期没有数据", anchor="middle", cls="muted-label")
        )
    return _svg(width, height, label, body, "narrow" if narrow else "wide")


def week_lines(
    weeks: Sequence[WeekRow], series: Sequence[Series], label: str, *, narrow: bool = False
) -> Markup:
    """A line per series over ISO weeks; x labels are each week's Monday, thinned to fit."""
    width, height, left, right, top, bottom = (
        (NARROW, 240, 36, 14, 34, 44) if narrow else (720, 280, 44, 16, 34, 44)
    )
    small, labels = (12, 4) if narrow else (11, 10)  # text size of ticks and captions; x labels at most
    variant = "narrow" if narrow else "wide"
    plot_w, plot_h = width - left - right, height - top - bottom
    body = legend(series, left, 16)
    peak = max((getattr(w, s.attr) for w in weeks for s in series), default=0)
    axis_max, step = nice_ceiling(peak or 1)
    tick = 0.0
    while tick <= axis_max + 1e-9:
        y = top + plot_h * (1 - tick / axis_max)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" class="grid"/>')
        body.append(_text(left - 6, y + 4, _fmt(tick), anchor="end", cls="muted-label", size=small))
        tick += step
    if not weeks:
        body.append(
            _text(left + plot_w / 2, top + plot_h / 2, "所选时期没有数据", anchor="middle", cls="muted-label")
        )
        return _svg(width, height, label, body, variant)
    n = len(weeks)
    dx = plot_w / max(n - 1, 1)

    def x_of(i: int) -> float:
        return left + (i * dx if n > 1 else plot_w / 2)

    every = max(1, -(-n // labels))
    for i, w in enumerate(weeks):
        if i % every == 0:
            text, x = f"{w.start.month}/{w.start.day}", x_of(i)
            half = len(text) * small * 0.3  # digits are about 0.6 em wide
            x = min(max(x, half + 1), width - half - 1)  # centred under its point, inside the chart
            body.append(_text(x, height - bottom + 18, text, anchor="middle", cls="muted-label", size=small))
    caption = "周（标注为该周周一）"
    body.append(_text(left + plot_w / 2, height - 6, caption, anchor="middle", cls="muted-label", size=small))
    for s in series:
        points = [(x_of(i), top + plot_h * (1 - getattr(w, s.attr) / axis_max)) for i, w in enumerate(weeks)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(
            f'<polyline points="{path}" fill="none" stroke="{s.colour}" stroke-width="2.5" '
            'stroke-linejoin="round" stroke-linecap="round"/>'
        )
        for (x, y), w in zip(points, weeks, strict=True):
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{3.5 if n <= 30 else 2}" fill="{s.colour}">'
                f"<title>{w.week}（{w.start:%m-%d} 起）{s.name}：{getattr(w, s.attr)}</title></circle>"
            )
    return _svg(width, height, label, body, variant)
