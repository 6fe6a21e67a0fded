"""Index maintenance and the encoder model: `python -m backend.matching.cli sync|rebuild`,
`python -m backend.matching.cli model adapt|rollback|status`."""

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


def _model(argv: list[str]) -> int:
    """`model adapt|rollback|status`: see backend/matching/model_admin.py."""
    from backend.matching import model_admin
    from embeddings.adapt import add_train_options, config_from_args

    parser = argparse.ArgumentParser(prog="cli model", description=model_admin.__doc__)
    parser.add_argument("what", choices=["adapt", "rollback", "status"])
    add_train_options(parser)
    args = parser.parse_args(argv)
    base = get_settings().model_dir
    if args.what == "adapt":
        with Session(get_engine()) as session:
            out = model_admin.adapt_platform(session=session, base=base, config=config_from_args(args))
        verdict = "已启用新模型" if out.activated else "新模型未胜出，继续使用原模型"
        print(f"{verdict}：{out.model_id}（训练 {out.train_seconds:.0f} 秒）")
        print(
            f"留出检验 MRR@10：原 {out.old.mrr} → 新 {out.new.mrr}；R@10：原 {out.old.recall} → 新 {out.new.recall}"
        )
        if out.activated:
            print("重启服务后索引按新模型重新编码（或运行 `python -m backend.matching.cli rebuild`）")
        return 0
    if args.what == "rollback":
        try:
            model_admin.roll_back(base=base)
        except LookupError:
            print("当前即为基础模型，无可回退的模型")
            return 1
    state, running = model_admin.state(base=base)
    print(f"当前模型：{running}（此前：{', '.join(str(h or base.name) for h in state.history) or '无'}）")
    return 0


def main() -> int:
    if sys.argv[1:2] == ["model"]:
        return _model(sys.argv[2:])
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
