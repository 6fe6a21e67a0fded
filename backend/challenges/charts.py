"""The 未满足需求 chart: unmet needs by province, as a server-rendered SVG tile map.

Each province is a square placed roughly where it lies (a tile-grid map, as newspapers draw China
when area should not drown the numbers); its shade and number say how many unmet needs it has.
Plain markup, no scripts; a <title> on each tile reads its exact count on hover.
"""

from markupsafe import Markup, escape

# (column, row) of each province on a 10 × 8 grid, north-west at the top left.
TILES: dict[str, tuple[int, int]] = {
    "黑龙江省": (9, 0),
    "吉林省": (9, 1),
    "辽宁省": (8, 2),
    "内蒙古自治区": (6, 1),
    "新疆维吾尔自治区": (1, 2),
    "甘肃省": (3, 2),
    "宁夏回族自治区": (4, 2),
    "北京市": (6, 2),
    "天津市": (7, 2),
    "河北省": (6, 3),
    "山西省": (5, 3),
    "山东省": (7, 3),
    "西藏自治区": (1, 4),
    "青海省": (2, 3),
    "陕西省": (4, 3),
    "河南省": (5, 4),
    "江苏省": (7, 4),
    "四川省": (3, 4),
    "重庆市": (4, 4),
    "湖北省": (5, 5),
    "安徽省": (6, 4),
    "上海市": (8, 4),
    "云南省": (3, 6),
    "贵州省": (4, 5),
    "湖南省": (4, 6),
    "江西省": (6, 5),
    "浙江省": (7, 5),
    "广西壮族自治区": (4, 7),
    "广东省": (5, 7),
    "福建省": (6, 6),
    "台湾省": (7, 6),
    "海南省": (5, 8),
    "香港特别行政区": (6, 7),
    "澳门特别行政区": (5, 6),
}
SHORT = {
    "内蒙古自治区": "内蒙古",
    "新疆维吾尔自治区": "新疆",
    "宁夏回族自治区": "宁夏",
    "西藏自治区": "西藏",
    "广西壮族自治区": "广西",
    "香港特别行政区": "香港",
    "澳门特别行政区": "澳门",
    "黑龙江省": "黑龙江",
}
CELL, GAP = 46, 4
SHADES = ("#f4f6f8", "#f6c6cd", "#e67f90", "#c8102e", "#8f0b21")


def short_name(region: str) -> str:
    """The name a tile has room for: 湖北, 内蒙古, 北京."""
    return SHORT.get(region, region.removesuffix("省").removesuffix("市"))


def _shade(count: int, top: int) -> str:
    if count <= 0 or top <= 0:
        return SHADES[0]
    return SHADES[min(len(SHADES) - 1, 1 + (count - 1) * (len(SHADES) - 1) // top)]


def province_map(counts: dict[str, int], label: str) -> Markup:
    """A tile map of China with each province's count of unmet needs."""
    top = max(counts.values(), default=0)
    cols = 1 + max(c for c, _ in TILES.values())
    rows = 1 + max(r for _, r in TILES.values())
    width, height = cols * (CELL + GAP), rows * (CELL + GAP) + 24
    body: list[str] = []
    for region, (col, row) in TILES.items():
        n = counts.get(region, 0)
        x, y = col * (CELL + GAP), row * (CELL + GAP)
        fill = _shade(n, top)
        ink = "bar-value-light" if fill in SHADES[3:] else "bar-value"  # the dashboard's text classes
        tip = escape(f"{region}：{n} 条未满足需求")
        body.append(
            f'<g><title>{tip}</title><rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" rx="6" fill="{fill}" '
            f'stroke="#d0d7de"/><text x="{x + CELL / 2}" y="{y + 19}" text-anchor="middle" font-size="12" '
            f'class="{ink}">{escape(short_name(region))}</text><text x="{x + CELL / 2}" y="{y + 37}" '
            f'text-anchor="middle" font-size="14" class="{ink}">{n if n else ""}</text></g>'
        )
    others = sum(n for r, n in counts.items() if r not in TILES)
    if others:
        body.append(f'<text x="0" y="{height - 6}" font-size="12">其他地区：{others} 条</text>')
    title = escape(label)
    return Markup(
        f'<svg class="chart unmet-map" viewBox="0 0 {width} {height}" role="img" aria-label="{title}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{title}</title>' + "".join(body) + "</svg>"
    )
