"""Encoding progress of an index rebuild or an import, for the console and the operators' pages.

A rebuild may run in another process (`python -m backend.matching.cli rebuild`), so the progress
is one small JSON file under the data directory, rewritten atomically by the encoder's progress
callback (about once a second) and read by the import pages.
"""

import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from backend.config import get_settings
from embeddings.encoder import EncodeProgress

log = logging.getLogger("kematch.matching")
STALE_S = 60.0  # a running record not rewritten for this long was left by a stopped process
FILE_NAME = "index_progress.json"


@dataclass(frozen=True)
class IndexingProgress:
    """Where an encoding run stands: texts encoded of `total`, the rate, and the time left."""

    label: str  # 索引重建 / 索引同步 / 导入任务 #12
    job_id: int | None
    done: int
    total: int
    texts_per_s: float
    seconds_left: float
    state: str  # running | done | stopped
    updated_at: float  # time.time()

    @property
    def running(self) -> bool:
        """Whether texts are still being encoded."""
        return self.state == "running"

    @property
    def summary(self) -> str:
        """One line for the operator, e.g. 已编码 120 / 500 条，40.0 条/秒，剩余约 10 秒."""
        counted = f"已编码 {self.done} / {self.total} 条"
        if self.state == "done":
            return f"{counted}，已完成"
        if self.state == "stopped":
            return f"{counted}，已中断（其余的在下次启动同步时编码）"
        if not self.done:
            return f"{counted}，正在准备"
        return f"{counted}，{self.texts_per_s:.1f} 条/秒，剩余约 {self.seconds_left:.0f} 秒"


def progress_path() -> Path:
    """The shared progress file of this site."""
    return get_settings().data_dir / FILE_NAME


def publish(progress: IndexingProgress) -> None:
    """Replace the progress record (atomically: a reader sees the old one or the new one)."""
    path = progress_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(asdict(progress), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:  # progress is a courtesy: a full disk must not stop the encoding
        log.warning("could not write the encoding progress to %s", path, exc_info=True)


def latest(*, now: float | None = None) -> IndexingProgress | None:
    """The last recorded run; a running one only while its process keeps it fresh."""
    try:
        progress = IndexingProgress(**json.loads(progress_path().read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    stale = (now if now is not None else time.time()) - progress.updated_at > STALE_S
    return None if progress.running and stale else progress


def of_job(job_id: int) -> IndexingProgress | None:
    """The encoding of an import job's new postings, if it is the last recorded run."""
    progress = latest()
    return progress if progress is not None and progress.job_id == job_id else None


@contextmanager
def reporting(
    encoder: object,
    *,
    label: str,
    total: int | None,
    job_id: int | None = None,
    also: Callable[[EncodeProgress], None] | None = None,
) -> Iterator[None]:
    """Record the encoding done inside the block (and pass each report to `also`)."""
    report = getattr(encoder, "reporting", None)
    now = IndexingProgress(label, job_id, 0, total or 0, 0.0, 0.0, "running", time.time())
    publish(now)

    def record(p: EncodeProgress) -> None:
        nonlocal now
        now = replace(now, done=p.done, total=p.total, texts_per_s=p.texts_per_s, seconds_left=p.seconds_left)
        publish(replace(now, updated_at=time.time()))
        if also is not None:
            also(p)

    try:
        if report is None:
            yield
        else:
            with report(record, total=total):
                yield
    except BaseException:
        publish(replace(now, state="stopped", updated_at=time.time()))
        raise
    publish(replace(now, total=now.done, seconds_left=0.0, state="done", updated_at=time.time()))
