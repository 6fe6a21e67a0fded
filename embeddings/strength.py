"""Match strength in words: the 0-100 score in four bands whose edges were measured on the dev set.

The edges come from docs/eval.md ("Score bands"): the score of each dev query's relevant result
and of the non-relevant results in its top 10, on a seeded 1,790-document subset. Fit points
(field, TRL, mode, region, budget) move a score a little; bands apply to the final score shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

BandKey = Literal["strong", "good", "weak", "none"]


@dataclass(frozen=True)
class Band:
    """One strength band: scores from `min_score` up to the next band's edge."""

    key: BandKey
    label: str
    min_score: float
    meaning: str


# Edges from the dev set (docs/eval.md "Score bands"): in each band, the share of the results
# shown in a top 10 that were the right one was 95 % / 37 % / 6 % / 1 %.
BANDS: tuple[Band, ...] = (
    Band("strong", "强匹配", 80.0, "评测中这一档的结果约 95% 是正确匹配"),
    Band("good", "较好", 50.0, "值得细看：评测中这一档约三分之一是正确匹配"),
    Band("weak", "弱相关", 30.0, "只有部分内容相近，评测中这一档很少是正确匹配"),
    Band("none", "不相关", 0.0, "与对方内容基本无关"),
)


def _edge(key: BandKey) -> int:
    return int(next(b.min_score for b in BANDS if b.key == key))


# A list whose best score is below this says so ("没有找到匹配度较高的…"): the 较好 band's edge.
GOOD_MIN = float(_edge("good"))
SCALE_NOTE = (
    "匹配度 0–100 由语义与关键词相关度校准而来，分数跨需求可比："
    f"{_edge('strong')} 分以上为强匹配，{_edge('good')}–{_edge('strong')} 较好，"
    f"{_edge('weak')}–{_edge('good')} 弱相关，{_edge('weak')} 分以下视为不相关。"
)


def strength_band(score: float) -> Band:
    """The band of a 0-100 match score, judged on the number shown (49.6 shows as 50: 较好)."""
    shown = display_score(score)
    for band in BANDS:
        if shown >= band.min_score:
            return band
    return BANDS[-1]


def display_score(score: float) -> int:
    """The whole number a 0-100 score is shown as, everywhere (half up, so 44.5 shows as 45)."""
    return int(max(0.0, min(100.0, score)) + 0.5)
