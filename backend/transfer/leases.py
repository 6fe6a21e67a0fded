"""Who runs an import job: a lease in the job's row, so any worker of any machine can carry on a
job whose worker died, and no two workers ever run one job at once.

A worker claims a job by raising its `lease` number from the value it saw (compare-and-set:
of two workers claiming at once, one wins). Every transaction of the job starts by renewing the
lease (`hold`): that write both proves the job is still this worker's and, on PostgreSQL, locks
the job's row until the commit, so a takeover waits for a running chunk instead of racing it.
A worker whose lease was taken stops at its next transaction (LeaseLost): its uncommitted chunk
rolls back, and the new holder goes on from the last committed one, so no row is lost or doubled.
"""

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col

from backend.db import utcnow
from backend.transfer.models import ImportJob

STALE_S = 60.0  # a job whose worker has not written for this long is taken for abandoned
UNFINISHED = ("queued", "running", "importing")


class LeaseLost(Exception):
    """Another worker took the job over (this one was taken for dead): stop, write nothing."""


def worker_name() -> str:
    """This process, as `host:pid`: recorded with a claim, so a restart on the same host can see
    at once that the process holding a job is gone."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def claim(*, session: Session, job_id: int, seen: int) -> int | None:
    """Take the job if its lease is still `seen` (nobody claimed it since): the new lease, or None."""
    done = session.execute(
        update(ImportJob)
        .where(
            col(ImportJob.id) == job_id, col(ImportJob.lease) == seen, col(ImportJob.status).in_(UNFINISHED)
        )
        .values(lease=seen + 1, claimed_by=worker_name(), heartbeat_at=utcnow())
    )
    return seen + 1 if done.rowcount == 1 else None  # type: ignore[attr-defined]


def hold(*, session: Session, job_id: int, lease: int) -> ImportJob:
    """Renew the lease as the transaction's first write and return the job; LeaseLost if taken."""
    done = session.execute(
        update(ImportJob)
        .where(col(ImportJob.id) == job_id, col(ImportJob.lease) == lease)
        .values(heartbeat_at=utcnow())
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise LeaseLost(f"import job {job_id}: lease {lease} was taken over")
    job = session.get(ImportJob, job_id, populate_existing=True)
    assert job is not None
    return job


def abandoned(job: ImportJob, *, now: datetime) -> bool:
    """Whether the job's worker is gone: silent for STALE_S, or a dead process of this host."""
    if job.status not in UNFINISHED and job.status != "indexing":
        return False
    beat = job.heartbeat_at if job.heartbeat_at.tzinfo else job.heartbeat_at.replace(tzinfo=now.tzinfo)
    if now - beat > timedelta(seconds=STALE_S):
        return True
    return job.claimed_by is not None and _dead_here(job.claimed_by)


def _dead_here(claimed_by: str) -> bool:
    host, _, pid = claimed_by.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False
