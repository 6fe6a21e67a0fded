"""Import jobs whose worker died are carried on by another: every worker looks at start-up and
then every WATCH_S seconds (a job is abandoned when its worker has been silent for STALE_S, or at
once when it was a process of this host that is gone, as after a restart).

An abandoned job goes on from its last committed chunk in a thread of the worker that found it.
It is marked 已中断 instead, with what it stored, when that cannot help: its rows were never kept
(jobs queued before rows were stored), or it has already been claimed MAX_CLAIMS times (it may be
what kills its workers). Every change here is a compare-and-set on the lease, so of two workers
finding the same job at once, one carries it on.
"""

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from backend.config import get_settings
from backend.db import get_engine, utcnow
from backend.transfer import worker
from backend.transfer.leases import UNFINISHED, abandoned
from backend.transfer.models import ImportJob
from backend.transfer.payload import drop_rows, has_rows

log = logging.getLogger("kematch.transfer")
WATCH_S = 15.0
MAX_CLAIMS = 4
Starter = Callable[[int, int], object]  # (job id, lease seen) → carries the job on
_watching = threading.Event()  # set once this process's watchdog runs


def _set(session: Session, job: ImportJob, **values: object) -> bool:
    """Change an abandoned job if nobody claimed it since it was read (its lease unchanged)."""
    done = session.execute(
        update(ImportJob)
        .where(col(ImportJob.id) == job.id, col(ImportJob.lease) == job.lease)
        .values(lease=job.lease + 1, updated_at=utcnow(), **values)
    )
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]


def _interrupt(session: Session, job: ImportJob, why: str) -> None:
    stored = f"已导入 {job.imported} 行（见下方报告）" if job.imported else "未导入任何数据"
    message = f"导入中断：{why}，{stored}；未处理的行请重新上传"
    if _set(session, job, status="failed", message=message, finished_at=utcnow()):
        assert job.id is not None
        drop_rows(session=session, job_id=job.id)
        log.warning("import job %s left %s: marked failed (%s)", job.id, job.status, why)


def resume_interrupted_jobs(*, start: Starter | None = None, now: datetime | None = None) -> list[int]:
    """Carry on every abandoned import job (or mark it 已中断); the ids of the jobs carried on."""
    start = start or worker.start_in_thread
    now = now or utcnow()
    carry_on: list[tuple[int, int]] = []
    with Session(get_engine(), expire_on_commit=False) as session:
        open_jobs = col(ImportJob.status).in_((*UNFINISHED, "indexing"))
        for job in session.exec(select(ImportJob).where(open_jobs)):
            assert job.id is not None
            if not abandoned(job, now=now):
                continue
            if job.status == "indexing":
                # Every row is stored; encoding what is left is the index's own catching up.
                _set(session, job, status="done")
            elif not has_rows(session=session, job_id=job.id):
                _interrupt(session, job, "导入过程中服务重启")
            elif job.lease >= MAX_CLAIMS:
                _interrupt(session, job, f"已中断 {job.lease} 次，不再自动续传")
            else:
                carry_on.append((job.id, job.lease))
        session.commit()
    for job_id, seen in carry_on:
        log.warning("import job %s was abandoned by its worker: carried on here", job_id)
        start(job_id, seen)
    return [job_id for job_id, _ in carry_on]


def _watch(interval: float) -> None:
    while True:
        time.sleep(interval)
        try:
            resume_interrupted_jobs()
        except Exception:  # the database may be away for a while: look again next time
            log.warning("could not look for abandoned import jobs", exc_info=True)


def watch_import_jobs(*, interval: float = WATCH_S) -> list[int]:
    """At start-up: carry on the jobs abandoned so far (their ids are returned), then look again
    every `interval` seconds in a thread, once per process (not under tests, which look themselves)."""
    resumed = resume_interrupted_jobs()
    if get_settings().environment != "test" and not _watching.is_set():
        _watching.set()
        threading.Thread(target=_watch, args=(interval,), daemon=True, name="import-watchdog").start()
    return resumed
