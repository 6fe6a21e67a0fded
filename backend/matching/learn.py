"""Ranking that learns from decisions (`make learn`, run by backend/pairings/learn.py).

Given the decision log's labelled pairs (backend/pairings/decisions.py), computes each decided
pair's features with the engine as it stands, replays time-ordered (embeddings/rerank_replay.py)
and activates the learned re-ranker only when it beats the base ranking on the later
decisions; otherwise the base ranking stands and a previously learned file is withdrawn.
`build_engine` ranks with the activated model, so a running server picks it up at its next start.
The decisions come in as arguments because pairings are built on matching, not the other way.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from backend.config import get_settings
from backend.matching.documents import need_document
from backend.postings.need_model import Need
from embeddings.engine import MatchEngine
from embeddings.rerank import Reranker, RerankerFileError
from embeddings.rerank_replay import Example, Replay, replay

log = logging.getLogger("kematch.matching")


@dataclass(frozen=True)
class Decision:
    """One labelled pair: 1 = the match was wanted, 0 = it was turned down or withdrawn."""

    need_id: int
    result_id: int
    label: int
    at: datetime


def learned_path() -> Path:
    """Where an activated re-ranker is kept (beside the index, under the data directory)."""
    return get_settings().data_dir / "reranker" / "learned.json"


def active_reranker() -> Reranker | None:
    """The activated re-ranker, or None (the base ranking) when there is none or it is unreadable."""
    path = learned_path()
    if not path.exists():
        return None
    try:
        return Reranker.load(path)
    except (OSError, RerankerFileError):
        log.exception("learned re-ranker %s unreadable; the base ranking is used", path)
        return None


def examples(*, session: Session, engine: MatchEngine, found: list[Decision]) -> list[Example]:
    """Decided pairs the engine can score now (the result still listed), in time order."""
    out = []
    for d in found:
        need = session.get(Need, d.need_id)
        if need is None:
            continue
        scored = engine.pair_features(need=need_document(need), result=d.result_id)
        if scored is not None:
            out.append(Example(base=scored[0], features=scored[1], label=d.label))
    return out


def learn(*, session: Session, engine: MatchEngine, found: list[Decision]) -> Replay:
    """Replay the decisions (oldest first) and activate or withdraw the learned re-ranker accordingly."""
    report, model = replay(examples(session=session, engine=engine, found=found))
    path = learned_path()
    if model is not None:
        model.save(path)
    elif path.exists():
        path.unlink()
    return report
