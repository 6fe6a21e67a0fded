"""Posting lists as a viewer sees them, ranked by the engine when there is a text query.

The list pages (/needs, /results) and the JSON API (/api/needs, /api/results) both call
`list_postings`, so the same query and filters give the same ids in the same order everywhere.
A text query always answers: the engine's best matches, however weak, and every literal keyword
hit. The strength bands only label them; they never empty the list.
"""

from typing import cast

from pydantic import BaseModel
from sqlmodel import Session

from backend import engine
from backend.accounts.models import User
from backend.postings import needs, results
from backend.postings.kinds import Kind, P
from backend.postings.list_query import RELEVANCE
from backend.postings.listing import ListFilters, keyword_ids
from embeddings.strength import BANDS, display_score, strength_band

RANKED_MAX = 200  # engine hits a list considers for one query
SHOW_AT_LEAST = 5  # the best this many are listed however weak (labelled as such)
# A hit below the lowest named band (不相关) is listed only to reach SHOW_AT_LEAST.
LISTED_MIN = next(b.min_score for b in BANDS if b.key == "weak")


def engine_scores(*, text: str, kind: Kind[P], k: int = RANKED_MAX) -> dict[int, float] | None:
    """The engine's ranking of a free-text query as {id: score}, best first; None if matching is off."""
    running = engine.current()
    if running is None:
        return None
    hits = running.search(text=text, side=kind.name, k=k)
    return {h.id: h.score for h in hits}


def rank_filters(*, session: Session, kind: Kind[P], filters: ListFilters, order: str) -> None:
    """Rank a text query by the engine (semantic + keyword), keeping every literal keyword hit."""
    if order != RELEVANCE[0] or not filters.text:
        return
    scores = engine_scores(text=filters.text, kind=kind)
    if scores is None:  # matching off: the word-by-word filter stands
        return
    ranked = [i for i, score in scores.items() if score >= LISTED_MIN]
    if len(ranked) < SHOW_AT_LEAST:
        ranked = list(scores)[:SHOW_AT_LEAST]
    seen = set(ranked)
    literal = [i for i in keyword_ids(session=session, kind=kind, text=filters.text) if i not in seen]
    filters.ranked_ids = ranked + literal
    filters.scores = {i: scores[i] for i in filters.ranked_ids if i in scores}


def list_postings(
    *,
    session: Session,
    kind: Kind[P],
    user: User | None,
    filters: ListFilters,
    order: str,
    offset: int = 0,
    limit: int = 20,
) -> tuple[list[P], int]:
    """One page of postings of `kind` that `user` may see, and the total."""
    rank_filters(session=session, kind=kind, filters=filters, order=order)
    if kind.name == "need":
        rows_n, total = needs.list_needs(
            session=session, user=user, filters=filters, order=order, offset=offset, limit=limit
        )
        return cast(list[P], rows_n), total
    rows_r, total = results.list_results(
        session=session, user=user, filters=filters, order=order, offset=offset, limit=limit
    )
    return cast(list[P], rows_r), total


class RankedHit(BaseModel):
    """A ranked posting's match as the list pages show it: the whole-number score and its band."""

    id: int
    score: int
    strength: str


def ranking(filters: ListFilters, ids: list[int]) -> list[RankedHit] | None:
    """The scores of `ids` (one page, in order) after a ranked query; None when not ranked.

    A literal keyword hit outside the engine's list has no score and is left out.
    """
    if filters.scores is None:
        return None
    return [
        RankedHit(id=i, score=display_score(s), strength=strength_band(s).label)
        for i in ids
        if (s := filters.scores.get(i)) is not None
    ]


def default_order(text: str | None, fallback: str) -> str:
    """A text query is ranked by relevance unless another order is asked for."""
    return RELEVANCE[0] if (text or "").strip() else fallback
