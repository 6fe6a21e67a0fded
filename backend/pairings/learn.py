"""`python -m backend.pairings.learn` (`make learn`): replay the decision log, activate a learned
ranking only when it beats the base ranking on later decisions (backend/matching/learn.py)."""

import argparse
import sys

from sqlmodel import Session

from backend.matching.learn import learn
from backend.pairings.decisions import decisions


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    from backend.db import get_engine
    from backend.matching.lifecycle import build_engine, sync_engine

    engine = build_engine()
    sync_engine(engine)
    with Session(get_engine()) as session:
        report = learn(session=session, engine=engine, found=decisions(session=session))
    print(
        f"决策 {report.decisions} 条（可评分），训练 {report.train} 条，留出 {report.held_out} 条"
        f"（{report.held_out_positive} 正 / {report.held_out_negative} 负）"
    )
    if report.base_auc is not None:
        learned = f"{report.learned_auc:.3f}" if report.learned_auc is not None else "—"
        print(f"留出期 AUC：基础排序 {report.base_auc:.3f}，学习后 {learned}")
    print(report.reason)
    return 0


if __name__ == "__main__":
    sys.exit(main())
