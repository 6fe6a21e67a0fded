"""Index maintenance: `python -m backend.matching.cli sync|rebuild`."""

import argparse
import shutil
import sys
import time

from backend.config import get_settings
from backend.matching.lifecycle import build_engine, sync_engine


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
    for report in sync_engine(build_engine()):
        label = "需求" if report.side == "need" else "成果"
        print(f"{label}索引：新编码 {report.encoded}，移除 {report.removed}，未变 {report.unchanged}")
    print(f"索引已就绪（{time.perf_counter() - started:.1f} 秒），位于 {get_settings().index_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
