"""What the engine returns for one ranked pair: the 0-100 score, where its points come from, the
structured fit and (optionally) the explanation."""

from __future__ import annotations

from dataclasses import dataclass

from embeddings.explain import Explanation
from embeddings.fit import FitItem


@dataclass(frozen=True)
class Breakdown:
    """Where a 0-100 score comes from, in points (semantic + lexical = relevance)."""

    relevance: float
    semantic: float
    lexical: float
    fit: dict[str, float]


@dataclass(frozen=True)
class Match:
    """One ranked hit with its score, breakdown and (optionally) explanation."""

    id: int
    score: float
    breakdown: Breakdown
    fit: list[FitItem]
    explanation: Explanation | None = None
