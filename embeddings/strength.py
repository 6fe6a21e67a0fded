"""Match strength in words: the 0-100 score in four bands whose edges were measured on the dev set.

The edges come from docs/eval.md ("Score bands"): the score of each dev query's relevant result
and of the non-relevant results in its top 10, on a seeded 1,790-document subset.
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


BANDS: tuple[Band, ...] = (
    Band("strong", "强匹配", 90.0, "评测中多数正确匹配落在这一档，错误匹配很少达到"),
    Band("good", "较好", 60.0, "值得一看：正确匹配与相近但不对口的结果都可能落在这一档"),
    Band("weak", "弱相关", 30.0, "只有部分内容相近，多为同领域但不对口的结果"),
    Band("none", "不相关", 0.0, "与需求基本无关"),
)
SCALE_NOTE = (
    "匹配度 0–100 按语义与关键词相关度校准，在评测集上强匹配≥90、较好≥60、弱相关≥30，低于 30 视为不相关。"
)


def strength_band(score: float) -> Band:
    """The band of a 0-100 match score (scores below 0 count as 0)."""
    for band in BANDS:
        if score >= band.min_score:
            return band
    return BANDS[-1]
