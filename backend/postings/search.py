"""Posting lists as a viewer sees them, ranked by the engine when there is a text query.

The list pages (/needs, /results) and the JSON API (/api/needs, /api/results) both call
`list_postings`, so the same query and filters give the same ids in the same order everywhere.
"""

from typing import cast

from sqlmodel import Session

from backend import engine
from backend.accounts.models import User
from backend.postings import needs, results
from backend.postings.kinds import Kind, P
from backend.postings.list_query import RELEVANCE
from backend.postings.listing import ListFilters, keyword_ids

# Below this a free-text hit is noise rather than a related posting (scores are calibrated across
# queries, see embeddings/README.md).
MIN_SEARCH_SCORE = 30.0
RANKED_MAX = 200


def ranked_ids(*, text: str, kind: Kind[P], k: int = RANKED_MAX) -> list[int] | None:
    """Ids the engine ranks for a free-text query (semantic + keyword), best first; None if off."""
    running = engine.current()
    if running is None:
        return None
    hits = running.search(text=text, side=kind.name, k=k)
    return [h.id for h in hits if h.score >= MIN_SEARCH_SCORE]


def rank_filters(*, session: Session, kind: Kind[P], filters: ListFilters, order: str) -> None:
    """Rank a text query by the engine (semantic + keyword), keeping every literal keyword hit."""
    if order != RELEVANCE[0] or not filters.text:
        return
    ids = ranked_ids(text=filters.text, kind=kind)
    if ids is None:  # matching off: the word-by-word filter stands
        return
    seen = set(ids)
    literal = [i for i in keyword_ids(session=session, kind=kind, text=filters.text) if i not in seen]
    filters.ranked_ids = ids + literal


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


def default_order(text: str | None, fallback: str) -> str:
    """A text query is ranked by relevance unless another order is asked for."""
    return RELEVANCE[0] if (text or "").strip() else fallback
