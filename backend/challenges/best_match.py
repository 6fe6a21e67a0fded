"""Each published need's best match score, kept until the index changes.

/ops/unmet judges every published need by its best match: asking the engine again on each load
costs one match per need. A need's best score changes only when what the engine holds changes, so
the scores are kept under the state they were computed in: the engine itself and its write
generation, which grows with every change it applies — its own process's writes and, through the
change feed, every other worker's (creates, edits, closes alike).
"""

import threading
import weakref
from dataclasses import dataclass

from backend.engine import current as matching_engine
from backend.matching.documents import need_document
from backend.postings.need_model import Need
from embeddings.engine import MatchEngine


@dataclass(frozen=True)
class _Kept:
    engine: "weakref.ref[MatchEngine]"  # weak: a replaced engine is not kept alive by the cache
    state: int  # the engine's write generation
    scores: dict[int, float]  # need id -> best score


_lock = threading.Lock()
_kept: _Kept | None = None


def best_score(engine: MatchEngine, need: Need) -> float:
    """The need's best match score now (0 when no result is indexed)."""
    hits = engine.match_need(need=need_document(need), k=1)
    return hits[0].score if hits else 0.0


def best_scores(*, needs: list[Need]) -> dict[int, float] | None:
    """The best match score of each of `needs` (None when matching is off), matched only for needs
    not scored since the index last changed."""
    global _kept
    engine = matching_engine()
    if engine is None:
        return None
    state = engine.generation
    with _lock:
        kept = _kept
    same = kept is not None and kept.engine() is engine and kept.state == state
    scores = dict(kept.scores) if kept is not None and same else {}
    for need in needs:
        assert need.id is not None
        if need.id not in scores:
            scores[need.id] = best_score(engine, need)
    with _lock:
        _kept = _Kept(weakref.ref(engine), state, scores)
    return {need.id: scores[need.id] for need in needs if need.id is not None}
