"""Queued import jobs written straight to a database, for the tests of who runs a job."""

from typing import Any

from sqlmodel import Session

from backend.transfer.columns import columns_for
from backend.transfer.models import ImportJob
from backend.transfer.payload import store_rows
from backend.transfer.reader import Row
from backend.vocab import OrgKind, Role
from tests.backend.transfer.kit import need_row
from tests.factories import make_org, make_user


def rows_of(titles: list[str]) -> list[Row]:
    """Valid needs rows with these titles, as the reader hands them over (dates as `date`)."""
    fields = [c.field for c in columns_for("needs")]
    return [
        Row(number=n + 2, cells=dict(zip(fields, need_row(title=title), strict=True)))
        for n, title in enumerate(titles)
    ]


def queued_job(db: Session, rows: list[Row], **overrides: Any) -> int:
    """A committed queued needs job with its rows stored, as an upload leaves it; its id."""
    operator = make_user(db, Role.operator)
    org = make_org(db, kind=OrgKind.enterprise)
    fields: dict[str, Any] = {
        "kind": "needs",
        "policy": "valid_only",
        "actor_id": operator.id,
        "owner_id": operator.id,
        "organisation_id": org.id,
        "total": len(rows),
    }
    job = ImportJob(**(fields | overrides))
    db.add(job)
    db.flush()
    assert job.id is not None
    store_rows(session=db, job_id=job.id, rows=rows)
    db.commit()
    return job.id
