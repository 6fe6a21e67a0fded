"""The home page (科创大厅), and the list-query parsing the need and result lists share.

The list helpers live here because the hall is where browsing starts; `needs.pages` and
`results.pages` import them so that both lists read their query strings the same way.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session, col, func, select

from backend.accounts.models import User
from backend.deps import MaybeViewer, SessionDep
from backend.errors import NotAuthenticated
from backend.listing import ListFilters, keyword_ids
from backend.matching import service as matching_service
from backend.needs import service as needs_service
from backend.needs.models import Need, NeedPublic
from backend.posting_service import Kind
from backend.results import service as results_service
from backend.results.models import Result, ResultPublic
from backend.templating import redirect, render
from backend.vocab import REGIONS, TRL_LABELS, PostingStatus, TechField, TransferMode

router = APIRouter(include_in_schema=False)

PER_PAGE = 20
MAX_Q = 100
NEWEST = 6
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


RELEVANCE = ("relevance", "相关度")


def list_orders(params: Mapping[str, str], orders: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A text query adds "相关度" (first, so the default) to a list's sort orders."""
    return [RELEVANCE, *orders] if (params.get("q") or "").strip() else orders


def rank_by_engine(*, session: Session, query: ListQuery, side: str, model: Any, kind: Kind) -> None:
    """Rank a text query by the engine (semantic + keyword), keeping every literal keyword hit."""
    text = query.filters.text
    if query.order != RELEVANCE[0] or not text:
        return
    ids = matching_service.ranked_ids(text=text, side=side)
    if ids is None:  # matching off: the word-by-word filter stands
        return
    seen = set(ids)
    keyword = [i for i in keyword_ids(session=session, model=model, kind=kind, text=text) if i not in seen]
    query.filters.ranked_ids = ids + keyword
