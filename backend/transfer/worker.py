"""Running an import job in the background, in chunks, so the result page can show progress.

The rows come from the database (transfer.payload), not from the worker's memory, and every
transaction of the job renews its lease (transfer.leases): a job whose worker died is carried
on by another worker, or by the next start, from its last committed chunk (transfer.watchdog).

"仅导入有效行": each chunk of rows is one transaction, together with the job's progress and
errors, so at every moment the database holds exactly what the job's report says.
"全部成功才导入": every row is validated first; only if none has an error are all rows
stored in one transaction. New postings are indexed in one batch after the import.
"""

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from backend.accounts.models import Organisation, User
from backend.db import get_engine, utcnow
from backend.engine import current as matching_engine
from backend.matching import progress
from backend.postings import needs as needs
from backend.postings import results as results
from backend.postings.changes import mark_changed, unmark
from backend.postings.need_model import NeedCreate
from backend.postings.result_model import ResultCreate
from backend.transfer.importer import Checked, check_row
from backend.transfer.leases import LeaseLost, claim, hold
from backend.transfer.models import ImportJob
from backend.transfer.payload import drop_rows, load_rows

log = logging.getLogger("kematch.transfer")
CHUNK = 200
Scope = Callable[[], AbstractContextManager[Session]]
Runner = Callable[[int], object]


@contextmanager
def own_session() -> Iterator[Session]:
    """A transaction of the worker's own: committed on success, rolled back on error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session
        session.commit()


def start_in_thread(job_id: int, seen: int = 0) -> threading.Thread:
    """The default runner: the job runs beside the web requests, in its own sessions.

    `seen`: the lease the job was left with, when carrying on a job whose worker died."""
    thread = threading.Thread(
        target=run_job,
        kwargs={"job_id": job_id, "scope": own_session, "seen": seen},
        daemon=True,
        name=f"import-job-{job_id}",
    )
    thread.start()
    return thread


def job_runner() -> Runner:
    """Dependency: how submitted jobs are run (tests run them inline in their transaction)."""
    return start_in_thread


def _organisation_id(session: Session, job: ImportJob) -> int:
    if job.organisation_id is None:
        spec: dict[str, Any] = job.new_org or {}
        org = Organisation(name=spec["name"], kind=spec["kind"], region=spec["region"])
        session.add(org)
        session.flush()
        job.organisation_id = org.id
    assert job.organisation_id is not None
    return job.organisation_id


def _store(session: Session, job: ImportJob, models: list[BaseModel]) -> list[int]:
    """Create the postings (audited by the services) owned by the job's organisation and owner."""
    if not models:
        return []
    actor, owner = session.get(User, job.actor_id), session.get(User, job.owner_id)
    assert actor is not None and owner is not None
    org_id = _organisation_id(session, job)
    ids: list[int] = []
    for model in models:
        item: Any
        if isinstance(model, NeedCreate):
            item = needs.create(session=session, data=model, user=actor, publish=job.publish)
        else:
            assert isinstance(model, ResultCreate)
            item = results.create(session=session, data=model, user=actor, publish=job.publish)
        item.organisation_id, item.owner_id = org_id, owner.id
        session.add(item)
        ids.append(item.id)
    session.flush()
    if matching_engine() is not None:  # encoded in `_index`'s batches; else the followers encode them
        unmark(session=session, side="need" if job.kind == "needs" else "result", item_ids=ids)
    return ids


def _record(job: ImportJob, checked: list[Checked], ids: list[int]) -> None:
    job.processed += len(checked)
    job.skipped += sum(c.example for c in checked)
    bad = [c for c in checked if c.errors]
    job.invalid += len(bad)
    job.errors = job.errors + [e for c in bad for e in c.errors]
    job.imported += len(ids)
    job.created_ids = job.created_ids + ids
    job.updated_at = utcnow()


def _valid_only(job_id: int, scope: Scope, lease: int) -> None:
    """Store the valid rows chunk by chunk, from the first row no committed chunk has handled."""
    while True:
        with scope() as session:
            job = hold(session=session, job_id=job_id, lease=lease)
            rows = load_rows(session=session, job_id=job_id, start=job.processed, limit=CHUNK)
            if not rows:
                return
            checked = [check_row(job.kind, r) for r in rows]
            ids = _store(session, job, [c.model for c in checked if c.model is not None])
            _record(job, checked, ids)
            session.add(job)


def _all_or_nothing(job_id: int, scope: Scope, lease: int) -> None:
    """Validate every row (chunk by chunk, storing nothing), then store all of them at once."""
    validating = True
    while validating:
        with scope() as session:
            job = hold(session=session, job_id=job_id, lease=lease)
            rows = load_rows(session=session, job_id=job_id, start=job.processed, limit=CHUNK)
            validating = job.status == "running" and bool(rows)
            if validating:
                _record(job, [check_row(job.kind, r) for r in rows], [])
            elif job.status == "running" and job.invalid == 0:
                job.status = "importing"
            session.add(job)
    with scope() as session:
        job = hold(session=session, job_id=job_id, lease=lease)
        if job.status != "importing" or job.created_ids:  # rows with errors; or stored before a restart
            return
        # Validated again here (cheap next to writing them): a job carried on after a restart
        # has only the rows, not the models its first worker built.
        checked = [check_row(job.kind, r) for r in load_rows(session=session, job_id=job_id)]
        ids = _store(session, job, [c.model for c in checked if c.model is not None])
        job.imported, job.created_ids = len(ids), ids
        session.add(job)


def _summary(job: ImportJob) -> str:
    text = f"共 {job.total} 行：导入 {job.imported} 行，有误 {job.invalid} 行"
    if job.skipped:
        text += f"，跳过示例行 {job.skipped} 行"
    if job.policy == "all_or_nothing" and job.invalid:
        text += "。按“全部成功才导入”，未导入任何数据；请修改后重新上传"
    return text


def _finish(job_id: int, scope: Scope, lease: int, status: str, message: str = "") -> ImportJob:
    with scope() as session:
        job = hold(session=session, job_id=job_id, lease=lease)
        # Published postings are encoded next: the job stays open (编码入索引) until they are.
        job.status = "indexing" if status == "done" and _will_index(job) else status
        job.message = (message or _summary(job))[:500]
        job.finished_at = job.updated_at = utcnow()
        session.add(job)
        drop_rows(session=session, job_id=job_id)
        return job


def _index(job: ImportJob, scope: Scope) -> None:
    """Encode the new listings in batches, the progress shown on the job's page: each batch's
    vectors and index changes are written in one transaction, as any write's (matching/lifecycle.py)."""
    engine = matching_engine()
    assert engine is not None
    side = "need" if job.kind == "needs" else "result"
    label = f"导入任务 #{job.id}"
    with progress.reporting(engine.encoder, label=label, total=job.imported, job_id=job.id):
        for start in range(0, len(job.created_ids), CHUNK):
            with scope() as session:
                for item_id in job.created_ids[start : start + CHUNK]:
                    mark_changed(session=session, side=side, item_id=item_id)


def _will_index(job: ImportJob) -> bool:
    return matching_engine() is not None and job.publish and job.imported > 0


def run_job(*, job_id: int, scope: Scope, seen: int = 0) -> None:
    """Claim a job (queued: `seen` 0; or left by a dead worker with lease `seen`) and validate and
    store its rows from the last committed chunk on, recording progress after each chunk."""
    with scope() as session:
        lease = claim(session=session, job_id=job_id, seen=seen)
    if lease is None:
        log.info("import job %s was claimed by another worker: left to it", job_id)
        return
    try:
        with scope() as session:
            job = hold(session=session, job_id=job_id, lease=lease)
            policy = job.policy
            if job.status == "queued":
                job.status = "running"
                session.add(job)
        if policy == "valid_only":
            _valid_only(job_id, scope, lease)
        else:
            _all_or_nothing(job_id, scope, lease)
        job = _finish(job_id, scope, lease, "done")
    except LeaseLost:
        log.warning("import job %s was taken over by another worker: this one stops", job_id)
        return
    except Exception:
        log.exception("import job %s failed", job_id)
        with suppress(LeaseLost):
            _finish(
                job_id, scope, lease, "failed", "导入中断：系统遇到意外错误，已记录。已导入的行见下方报告"
            )
        return
    if job.status != "indexing":
        return
    try:
        _index(job, scope)
    except Exception:  # the rows are stored; the index catches up at the next start-up sync
        log.exception("indexing after import job %s failed", job_id)
    finally:
        _set_status(job_id, scope, "done")


def _set_status(job_id: int, scope: Scope, status: str) -> None:
    with scope() as session:
        job = session.get(ImportJob, job_id)
        assert job is not None
        job.status, job.updated_at = status, utcnow()
        session.add(job)
