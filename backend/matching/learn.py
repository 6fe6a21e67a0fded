"""Ranking that learns from decisions: `python -m backend.matching.learn` (`make learn`).

Reads the decision log (backend/matching/decisions.py), computes each decided pair's features with
the engine as it stands, replays time-ordered (embeddings/rerank_replay.py) and activates the
learned re-ranker only when it beats the ranking in service on the later decisions; otherwise
the base ranking stands and a previously learned file is withdrawn. A running server picks an
activated (or withdrawn) model up at its next start.
"""

import argparse
import logging
import sys
from pathlib import Path

from sqlmodel import Session

from backend.config import get_settings
from backend.matching.decisions import Decision, decisions
from backend.matching.documents import need_document
from backend.postings.need_model import Need
from embeddings.engine import MatchEngine
from embeddings.rerank import Reranker, RerankerFileError
from embeddings.rerank_replay import Example, Replay, replay

log = logging.getLogger("kematch.matching")


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


def learn(*, session: Session, engine: MatchEngine) -> Replay:
    """Replay the decision log and activate or withdraw the learned re-ranker accordingly."""
    found = decisions(session=session)
    report, model = replay(
        examples(session=session, engine=engine, found=found), in_service=engine.config.reranker
    )
    path = learned_path()
    if model is not None:
        model.save(path)
    elif path.exists():
        path.unlink()
    return report


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    from backend.db import get_engine
    from backend.matching.lifecycle import build_engine, sync_engine

    engine = build_engine()
    sync_engine(engine)
    with Session(get_engine()) as session:
        report = learn(session=session, engine=engine)
    print(
        f"决策 {report.decisions} 条（可评分），训练 {report.train} 条，留出 {report.held_out} 条"
        f"（{report.held_out_positive} 正 / {report.held_out_negative} 负）"
    )
    if report.base_auc is not None:
        learned = f"{report.learned_auc:.3f}" if report.learned_auc is not None else "—"
        print(f"留出期 AUC：当前排序 {report.base_auc:.3f}，学习后 {learned}")
    print(report.reason)
    return 0


if __name__ == "__main__":
    sys.exit(main())
