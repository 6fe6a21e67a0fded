"""An import job survives the death of its worker: its rows are in the database, and another
worker (or the next start) carries it on from the last committed chunk, never storing a row twice.

Each test has a database of its own: the job's transactions commit for real, as the workers'
do, and "another worker" is another set of sessions on it.
"""

import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from backend.db import utcnow
from backend.postings.need_model import Need
from backend.transfer import leases, watchdog, worker
from backend.transfer.models import ImportJob, ImportRow
from backend.transfer.payload import load_rows
from backend.transfer.reader import Row
from tests.backend.transfer.jobs_kit import queued_job, rows_of
from tests.databases import drop_database, migrated_engine, new_database_url

CHUNK, ROWS = 3, 10
TITLES = [f"续传导入需求{n:02d}" for n in range(ROWS)]


class Killed(BaseException):
    """The worker's process dies here: nothing after it runs, its open transaction rolls back."""


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    url = new_database_url(tmp_path, "resume")
    engine = migrated_engine(url)
    for module in (worker, watchdog):
        monkeypatch.setattr(module, "get_engine", lambda: engine)
    monkeypatch.setattr(worker, "CHUNK", CHUNK)
    yield engine
    engine.dispose()
    drop_database(url)


def _job(engine: Engine, job_id: int) -> ImportJob:
    with Session(engine) as db:
        job = db.get(ImportJob, job_id)
        assert job is not None
        return job


def _titles(engine: Engine) -> list[str]:
    with Session(engine) as db:
        return sorted(db.exec(select(Need.title)))


def _die_in_chunk(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """The worker dies inside its `chunk`-th chunk, after storing its rows, before the commit."""
    real = worker._record
    seen = 0

    def record(job: ImportJob, checked: Any, ids: list[int]) -> None:
        nonlocal seen
        real(job, checked, ids)
        seen += 1
        if seen == chunk:
            raise Killed

    monkeypatch.setattr(worker, "_record", record)


def _carry_on_here(job_id: int, seen: int) -> None:
    """Another worker carrying the job on (inline, so the test sees the end)."""
    worker.run_job(job_id=job_id, scope=worker.own_session, seen=seen)


def _later() -> datetime:
    return utcnow() + timedelta(seconds=leases.STALE_S + 1)


def test_the_rows_are_kept_in_the_database_with_their_types(engine: Engine) -> None:
    rows = [
        Row(number=2, cells={"title": "甲", "valid_until": date(2031, 5, 1), "budget_min": 3.5, "x": None})
    ]
    rows.append(Row(number=4, cells={"title": "乙", "seen": datetime(2030, 1, 2, 3, 4, 5), "trl": 6}))
    with Session(engine) as db:
        job_id = queued_job(db, rows)
        assert load_rows(session=db, job_id=job_id) == rows
        assert load_rows(session=db, job_id=job_id, start=1) == rows[1:]


def test_a_job_whose_worker_died_is_carried_on_from_the_last_committed_chunk(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Session(engine) as db:
        job_id = queued_job(db, rows_of(TITLES))
    _die_in_chunk(monkeypatch, 3)
    with pytest.raises(Killed):
        worker.run_job(job_id=job_id, scope=worker.own_session)
    left = _job(engine, job_id)
    assert (left.status, left.processed, left.imported) == ("running", 2 * CHUNK, 2 * CHUNK)
    assert _titles(engine) == TITLES[: 2 * CHUNK]  # the third chunk rolled back with the process
    monkeypatch.undo()
    monkeypatch.setattr(worker, "CHUNK", CHUNK)
    for module in (worker, watchdog):
        monkeypatch.setattr(module, "get_engine", lambda: engine)
    # Its worker is silent: while the lease is fresh nobody takes the job; once stale, one does.
    assert watchdog.resume_interrupted_jobs(start=_carry_on_here) == []
    assert watchdog.resume_interrupted_jobs(start=_carry_on_here, now=_later()) == [job_id]
    done = _job(engine, job_id)
    assert (done.status, done.processed, done.imported, done.lease) == ("done", ROWS, ROWS, 2)
    assert _titles(engine) == TITLES  # every row once: none lost, none doubled
    assert sorted(done.created_ids) == sorted(_need_ids(engine))
    with Session(engine) as db:  # the rows are dropped once the job has ended
        assert db.exec(select(func.count()).select_from(ImportRow)).one() == 0


def _need_ids(engine: Engine) -> list[int]:
    with Session(engine) as db:
        return [i for i in db.exec(select(Need.id)) if i is not None]


def test_all_or_nothing_killed_while_storing_is_stored_once_by_the_next_worker(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Session(engine) as db:
        job_id = queued_job(db, rows_of(TITLES), policy="all_or_nothing")
    real_store = worker._store

    def store_then_die(session: Session, job: ImportJob, models: list[Any]) -> list[int]:
        real_store(session, job, models)
        raise Killed

    monkeypatch.setattr(worker, "_store", store_then_die)
    with pytest.raises(Killed):
        worker.run_job(job_id=job_id, scope=worker.own_session)
    assert _job(engine, job_id).status == "importing" and _titles(engine) == []
    monkeypatch.setattr(worker, "_store", real_store)
    assert watchdog.resume_interrupted_jobs(start=_carry_on_here, now=_later()) == [job_id]
    done = _job(engine, job_id)
    assert (done.status, done.imported) == ("done", ROWS) and _titles(engine) == TITLES


def test_a_dead_process_of_this_host_is_seen_at_once(engine: Engine) -> None:
    with Session(engine) as db:
        job_id = queued_job(db, rows_of(TITLES[:2]))
        gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
        job = db.get(ImportJob, job_id)
        assert job is not None
        job.lease, job.claimed_by, job.status = 1, f"{socket.gethostname()}:{int(gone.stdout)}", "running"
        db.add(job)
        db.commit()
    # No waiting for the lease to go stale: a restart carries the job on straight away.
    assert watchdog.resume_interrupted_jobs(start=_carry_on_here) == [job_id]
    assert _job(engine, job_id).status == "done" and _titles(engine) == TITLES[:2]


def test_a_worker_whose_job_was_taken_over_writes_nothing_more(engine: Engine) -> None:
    with Session(engine) as db:
        job_id = queued_job(db, rows_of(TITLES))
    with Session(engine) as db:
        first = leases.claim(session=db, job_id=job_id, seen=0)
        db.commit()
    with Session(engine) as db:  # taken for dead; of two claims on the same lease, one wins
        second = leases.claim(session=db, job_id=job_id, seen=1)
        again = leases.claim(session=db, job_id=job_id, seen=1)
        db.commit()
    assert (first, second, again) == (1, 2, None)
    with pytest.raises(leases.LeaseLost):
        worker._valid_only(job_id, worker.own_session, 1)  # the first worker wakes up: stops
    assert _titles(engine) == [] and _job(engine, job_id).processed == 0
    worker._valid_only(job_id, worker.own_session, 2)
    assert _titles(engine) == TITLES


def test_jobs_that_cannot_be_carried_on_are_marked_interrupted(engine: Engine) -> None:
    with Session(engine) as db:
        no_rows = queued_job(db, [], total=50, status="running", imported=20, lease=1)
        crashing = queued_job(db, rows_of(TITLES[:2]), status="running", lease=watchdog.MAX_CLAIMS)
    started: list[int] = []
    resumed = watchdog.resume_interrupted_jobs(
        start=lambda job_id, seen: started.append(job_id), now=_later()
    )
    assert resumed == started == []
    old, looping = _job(engine, no_rows), _job(engine, crashing)
    assert old.status == "failed" and "已导入 20 行" in old.message and "服务重启" in old.message
    assert (
        looping.status == "failed"
        and "不再自动续传" in looping.message
        and "未导入任何数据" in looping.message
    )
