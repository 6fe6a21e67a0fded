"""Index maintenance: `python -m backend.matching.cli sync|rebuild`."""

import argparse
import shutil
import sys
import time

from sqlmodel import Session

from backend.config import get_settings
from backend.db import get_engine
from backend.matching import progress
from backend.matching.lifecycle import build_engine, listed_documents, sync_engine
from embeddings.encoder import EncodeProgress


def _print_progress(p: EncodeProgress) -> None:
    end = "\r" if sys.stdout.isatty() and p.done < p.total else "\n"
    print(
        f"编码 {p.done}/{p.total}，{p.texts_per_s:.1f} 条/秒，剩余约 {p.seconds_left:.0f} 秒",
        end=end,
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "action",
        choices=["sync", "rebuild"],
        help="sync: re-encode only what changed; rebuild: delete the index and build it anew",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    if args.action == "rebuild":
        shutil.rmtree(get_settings().index_dir, ignore_errors=True)
    engine = build_engine()
    total = None
    if args.action == "rebuild":  # everything is encoded anew: the time left covers both sides
        with Session(get_engine()) as session:
            total = sum(len(docs) for docs in listed_documents(session))
    run = "索引重建" if args.action == "rebuild" else "索引同步"  # also shown on the import page
    with progress.reporting(engine.encoder, label=run, total=total, also=_print_progress):
        reports = sync_engine(engine)
    for report in reports:
        label = "需求" if report.side == "need" else "成果"
        print(f"{label}索引：新编码 {report.encoded}，移除 {report.removed}，未变 {report.unchanged}")
    print(f"索引已就绪（{time.perf_counter() - started:.1f} 秒），位于 {get_settings().index_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
