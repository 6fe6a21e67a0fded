"""A posting list's query string: filters, order, page, and the links that keep them.

`/needs`, `/results` and their JSON twins read the same parameters the same way.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from backend.accounts.models import User
from backend.errors import NotAuthenticated
from backend.postings.listing import ListFilters
from backend.vocab import REGIONS, TRL_LABELS, PostingStatus, Role, TechField, TransferMode
from embeddings.strength import GOOD_MIN, strength_band

PER_PAGE = 20
MAX_Q = 100
_TRL_VALUES = {str(n): n for n in range(1, 10)}
TRL_CHOICES = [(n, f"{n} · {label}") for n, label in TRL_LABELS.items()]  # "6 · 中试 / 系统样机"
# The order in which query parameters appear in generated links.
_PARAMS = ("q", "field", "region", "trl_min", "trl_max", "mode", "status", "mine", "order", "page")


@dataclass
class ListQuery:
    """A list page's query string, parsed: filters, order, page, and messages for bad values."""

    values: dict[str, str]
    filters: ListFilters
    order: str
    page: int
    mine: bool
    errors: list[str] = field(default_factory=list)


def parse_list_query(params: Mapping[str, str], *, orders: Sequence[str], user: User | None) -> ListQuery:
    """Read list filters from the query string; a bad value is dropped with a Chinese message."""
    values: dict[str, str] = {}
    errors: list[str] = []

    def pick(name: str, allowed: Any, what: str) -> str | None:
        raw = (params.get(name) or "").strip()
        if not raw:
            return None
        if raw in allowed:
            values[name] = raw
            return raw
        errors.append(f"{what}“{raw[:20]}”无效，已忽略该条件")
        return None

    tech = pick("field", {f.value for f in TechField}, "技术领域")
    region = pick("region", REGIONS, "地区")
    mode = pick("mode", {m.value for m in TransferMode}, "合作方式")
    status = pick("status", {s.value for s in PostingStatus}, "状态")
    low = pick("trl_min", _TRL_VALUES, "成熟度下限（须为 1–9 的整数）")
    high = pick("trl_max", _TRL_VALUES, "成熟度上限（须为 1–9 的整数）")
    trl_min = _TRL_VALUES[low] if low else None
    trl_max = _TRL_VALUES[high] if high else None
    if trl_min is not None and trl_max is not None and trl_min > trl_max:
        errors.append("成熟度下限不能高于上限，已忽略成熟度条件")
        trl_min = trl_max = None
        values.pop("trl_min")
        values.pop("trl_max")
    text = (params.get("q") or "").strip()
    if len(text) > MAX_Q:
        errors.append(f"搜索词过长，只按前 {MAX_Q} 个字搜索")
        text = text[:MAX_Q]
    if text:
        values["q"] = text
    order = params.get("order") or orders[0]
    if order not in orders:
        order = orders[0]
    if order != orders[0]:
        values["order"] = order
    raw_page = params.get("page") or "1"
    page = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) <= 100_000 else 1
    if str(page) != raw_page:
        errors.append("页码无效，已显示第 1 页")
    mine = params.get("mine") == "1"
    if mine and user is None:
        raise NotAuthenticated("请先登录")
    if mine:
        values["mine"] = "1"
    filters = ListFilters(
        field=tech,
        region=region,
        trl_min=trl_min,
        trl_max=trl_max,
        mode=mode,
        status=status,
        text=text or None,
        organisation_id=user.organisation_id if mine and user else None,
    )
    return ListQuery(values=values, filters=filters, order=order, page=page, mine=mine, errors=errors)


def count_scope(user: User | None, *, mine: bool) -> str:
    """What a list's total counts for this viewer (lists see different sets, so totals differ)."""
    if mine:
        return "本单位的全部，含草稿与待审核"
    if user is None:
        return "公开挂牌"
    if user.role == Role.operator:
        return "全部状态，含保密与待审核"
    return "公开挂牌，及本单位的与您参与对接的"


@dataclass
class ListPage:
    """Context of /needs and /results: the query, one page of cards and the pager."""

    title: str
    path: str
    query: ListQuery
    items: list[Any]
    total: int
    orders: list[tuple[str, str]]
    mine_label: str
    can_mine: bool
    show_status: bool
    post_url: str | None = None
    scope: str = ""  # what `total` counts (count_scope)

    @property
    def scores(self) -> dict[int, float]:
        """The engine's score of each ranked posting, when a text query is ranked by relevance."""
        return self.query.filters.scores or {}

    @property
    def best_score(self) -> float | None:
        """The best score of the whole ranked list (not only this page)."""
        return max(self.scores.values(), default=None)

    @property
    def weak(self) -> bool:
        """A ranked query whose best match is below the 较好 band: the page says so."""
        best = self.best_score
        return best is not None and strength_band(best).min_score < GOOD_MIN

    def nearest_fields(self, n: int = 3) -> list[TechField]:
        """The fields of the best-scored postings on this page, to browse instead of searching."""
        ranked = sorted((p for p in self.items if p.id in self.scores), key=lambda p: -self.scores[p.id])
        return list(dict.fromkeys(TechField(p.field) for p in ranked))[:n]

    def related_searches(self, n: int = 5) -> list[str]:
        """Keywords of the best-scored postings on this page, offered as other searches."""
        ranked = sorted((p for p in self.items if p.id in self.scores), key=lambda p: -self.scores[p.id])
        typed = (self.query.filters.text or "").casefold()
        words = (k for p in ranked for k in p.keywords if k.casefold() != typed)
        return list(dict.fromkeys(words))[:n]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))

    def url(self, **changes: Any) -> str:
        """This list's URL with some parameters changed (None removes one); other filters kept."""
        merged: dict[str, Any] = dict(self.query.values)
        if "page" not in changes:
            merged.pop("page", None)
        merged.update(changes)
        pairs = [(k, str(merged[k])) for k in _PARAMS if merged.get(k) not in (None, "")]
        if ("page", "1") in pairs:
            pairs.remove(("page", "1"))
        return f"{self.path}?{urlencode(pairs)}" if pairs else self.path

    def page_numbers(self) -> list[int | None]:
        """Page numbers around the current one, with None for a gap."""
        current, last = self.query.page, self.pages
        shown = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
        out: list[int | None] = []
        for n in shown:
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out


RELEVANCE = ("relevance", "相关度")


def list_orders(params: Mapping[str, str], orders: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A text query adds "相关度" (first, so the default) to a list's sort orders."""
    return [RELEVANCE, *orders] if (params.get("q") or "").strip() else orders
