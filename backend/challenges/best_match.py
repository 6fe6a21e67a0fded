"""Each published need's best match score, kept until the index changes.

/ops/unmet judges every published need by its best match: asking the engine again on each load
costs one match per need. A need's best score changes only when what the engine holds changes, so
the scores are kept under the state they were computed in: the newest entry of the index change
feed (every committed write of a posting, by any worker, adds one), the engine's document counts
(they move when this process's engine applies a create or a removal) and the engine itself.
"""

import threading
import weakref
from dataclasses import dataclass

from sqlmodel import Session

from backend.engine import current as matching_engine
from backend.matching.documents import need_document
from backend.matching.feed import last_seq
from backend.postings.need_model import Need
from embeddings.engine import MatchEngine


@dataclass(frozen=True)
class _Kept:
    engine: "weakref.ref[MatchEngine]"  # weak: a replaced engine is not kept alive by the cache
    state: tuple[int, int, int]  # feed position, indexed needs, indexed results
    scores: dict[int, float]  # need id -> best score


_lock = threading.Lock()
_kept: _Kept | None = None


def _state(session: Session, engine: MatchEngine) -> tuple[int, int, int]:
    return last_seq(session=session), engine.count(side="need"), engine.count(side="result")


def best_score(engine: MatchEngine, need: Need) -> float:
    """The need's best match score now (0 when no result is indexed)."""
    hits = engine.match_need(need=need_document(need), k=1)
    return hits[0].score if hits else 0.0


def best_scores(*, session: Session, needs: list[Need]) -> dict[int, float] | None:
    """The best match score of each of `needs` (None when matching is off), matched only for needs
    not scored since the index last changed."""
    global _kept
    engine = matching_engine()
    if engine is None:
        return None
    state = _state(session, engine)
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
