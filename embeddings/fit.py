"""Structured fit between a need and a result: rules, points, Chinese reasons, filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from embeddings.types import FIELD_LABELS, MODE_LABELS, TRL_LABELS, Profile

Aspect = Literal["field", "trl", "mode", "region", "budget"]
ASPECTS: tuple[Aspect, ...] = ("field", "trl", "mode", "region", "budget")
LICENSES = frozenset({"license_exclusive", "license_sole", "license_general"})
COLLAB = frozenset({"joint_development", "commissioned"})


@dataclass(frozen=True)
class FitItem:
    """One structured-fit finding: a relative score adjustment (weight) and a plain reason."""

    aspect: Aspect
    weight: float  # fraction of the relevance points added (+) or taken away (-)
    verdict: Literal["for", "against", "neutral"]
    reason: str


@dataclass(frozen=True)
class Filters:
    """Hard filters on candidates; `require` drops pairs whose fit on an aspect is 'against'."""

    fields: frozenset[str] | None = None
    regions: frozenset[str] | None = None
    min_trl: int | None = None  # candidate results only
    max_price: float | None = None  # candidate results only (万元); 面议 passes
    modes: frozenset[str] | None = None  # candidate must list one of these
    require: frozenset[Aspect] = frozenset()


def _modes_text(modes: frozenset[str]) -> str:
    if modes and modes <= LICENSES:
        return "许可" if len(modes) > 1 else MODE_LABELS[next(iter(modes))]
    return "、".join(MODE_LABELS[m] for m in sorted(modes, key=list(MODE_LABELS).index))


def _money(v: float) -> str:
    return f"{v:g}"


def budget_text(p: Profile) -> str:
    """Human budget like '50–100 万元', '不超过 80 万元' or '面议'."""
    lo, hi = p.budget_min, p.budget_max
    if p.negotiable or (lo is None and hi is None):
        return "面议"
    if lo is not None and hi is not None:
        return f"{_money(lo)}–{_money(hi)} 万元"
    return f"不低于 {_money(lo or 0)} 万元" if hi is None else f"不超过 {_money(hi)} 万元"


def field_fit(need: Profile, result: Profile) -> FitItem | None:
    """Same technical field is a plus, a different one a minus."""
    if need.field is None or result.field is None:
        return None
    if need.field == result.field:
        return FitItem("field", 0.05, "for", f"同属{FIELD_LABELS[need.field]}领域")
    reason = f"领域不同：需求属{FIELD_LABELS[need.field]}，成果属{FIELD_LABELS[result.field]}"
    return FitItem("field", -0.10, "against", reason)


def trl_fit(need: Profile, result: Profile) -> FitItem | None:
    """Result TRL at or above the wanted TRL is a plus; -8% per missing level (max -30%)."""
    if need.trl is None or result.trl is None:
        return None
    have = f"成果成熟度 TRL {result.trl}（{TRL_LABELS[result.trl]}）"
    gap = result.trl - need.trl
    if gap >= 0:
        return FitItem("trl", 0.05, "for", f"{have}，达到需求期望的 TRL {need.trl}")
    return FitItem("trl", max(-0.30, 0.08 * gap), "against", f"{have}，低于需求期望的 TRL {need.trl}")


def mode_fit(need: Profile, result: Profile) -> FitItem | None:
    """Transfer-mode compatibility; see README for the rules."""
    n, r = need.modes, result.modes
    if not n or not r:
        return None
    common = n & r
    if common:
        return FitItem("mode", 0.05, "for", f"转化方式一致：双方均接受{_modes_text(common)}")
    if "other" in n or "other" in r:
        return FitItem("mode", 0.0, "neutral", "转化方式需协商（一方选择“其他”）")
    if n & LICENSES and r & LICENSES:
        detail = f"需求：{_modes_text(n & LICENSES)}；成果：{_modes_text(r & LICENSES)}"
        reason = f"均接受许可，许可类型需协商（{detail}）"
        return FitItem("mode", 0.02, "neutral", reason)
    if n & COLLAB and r & COLLAB:
        return FitItem("mode", 0.02, "neutral", "合作开发与委托开发可协商衔接")
    reason = f"转化方式不匹配：需求仅接受{_modes_text(n)}，成果仅{_modes_text(r)}"
    return FitItem("mode", -0.20, "against", reason)


def region_fit(need: Profile, result: Profile) -> FitItem | None:
    """Same province is a small plus; another province is only noted."""
    if need.region is None or result.region is None:
        return None
    if need.region == result.region:
        return FitItem("region", 0.03, "for", f"同在{need.region}，便于对接")
    return FitItem("region", 0.0, "neutral", f"异地对接：需求在{need.region}，成果在{result.region}")


def budget_fit(need: Profile, result: Profile) -> FitItem | None:
    """Asking price within the need's budget is a plus; over it costs 10-30% by how much."""
    price, hi, lo = result.price, need.budget_max, need.budget_min
    if price is None or result.negotiable:
        return FitItem("budget", 0.0, "neutral", "成果报价面议") if need.budget_max else None
    if need.negotiable or (hi is None and lo is None):
        return None
    head = f"预算 {budget_text(need)}，成果报价 {_money(price)} 万元"
    if hi is not None and price > hi:
        over = price / hi if hi > 0 else 10.0
        weight = -0.10 if over <= 1.2 else -0.20 if over <= 2.0 else -0.30
        return FitItem("budget", weight, "against", f"{head}，超出预算")
    if lo is not None and price < lo:
        return FitItem("budget", 0.02, "for", f"{head}，低于预算下限")
    return FitItem("budget", 0.05, "for", f"{head}，在预算内")


def assess(need: Profile, result: Profile) -> list[FitItem]:
    """All applicable fit findings for a need/result pair."""
    checks = (field_fit, trl_fit, mode_fit, region_fit, budget_fit)
    return [item for check in checks if (item := check(need, result)) is not None]


MAX_BONUS, MAX_MALUS = 0.25, -0.60


def fit_points(*, relevance: float, items: list[FitItem]) -> dict[str, float]:
    """Points each finding adds to a pair's score: weight x relevance points, total clamped."""
    total = sum(i.weight for i in items)
    scale = 1.0
    if total > MAX_BONUS or total < MAX_MALUS:
        scale = (MAX_BONUS if total > 0 else MAX_MALUS) / total
    return {i.aspect: round(relevance * i.weight * scale, 2) for i in items if i.weight}


def passes(*, filters: Filters, candidate: Profile, items: list[FitItem], candidate_is_result: bool) -> bool:
    """Whether a candidate survives the caller's hard filters."""
    f = filters
    if f.fields is not None and candidate.field not in f.fields:
        return False
    if f.regions is not None and candidate.region not in f.regions:
        return False
    if f.modes is not None and not (candidate.modes & f.modes):
        return False
    if candidate_is_result:
        if f.min_trl is not None and (candidate.trl is None or candidate.trl < f.min_trl):
            return False
        if f.max_price is not None and candidate.price is not None and candidate.price > f.max_price:
            return False
    return not any(i.aspect in f.require and i.verdict == "against" for i in items)
