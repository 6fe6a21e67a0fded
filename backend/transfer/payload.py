"""A queued import job's rows, kept in the database (import_row) until the job ends.

The worker that runs a job reads its rows from here, chunk by chunk, so a job survives the death
of the worker that accepted the file. Cells keep their types: a spreadsheet's dates and times
are tagged in the JSON and come back as the same `date` / `datetime` the reader produced.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, delete, select

from backend.transfer.models import ImportRow
from backend.transfer.reader import Row

_TAG = "$t"


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {_TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {_TAG: "date", "v": value.isoformat()}
    if isinstance(value, time):
        return {_TAG: "time", "v": value.isoformat()}
    if isinstance(value, timedelta):
        return {_TAG: "timedelta", "v": value.total_seconds()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)  # any other cell type is read as the text it shows


def _decode(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    raw: Any
    kind, raw = value.get(_TAG), value["v"]
    if kind == "datetime":
        return datetime.fromisoformat(raw)
    if kind == "date":
        return date.fromisoformat(raw)
    if kind == "time":
        return time.fromisoformat(raw)
    return timedelta(seconds=raw)


def store_rows(*, session: Session, job_id: int, rows: list[Row]) -> None:
    """Keep `rows` with job `job_id`, in file order (in the caller's transaction)."""
    session.add_all(
        ImportRow(
            job_id=job_id,
            position=position,
            number=row.number,
            cells={name: _encode(value) for name, value in row.cells.items()},
        )
        for position, row in enumerate(rows)
    )
    session.flush()


def load_rows(*, session: Session, job_id: int, start: int = 0, limit: int | None = None) -> list[Row]:
    """The job's rows from position `start` (at most `limit` of them), in file order."""
    query = (
        select(ImportRow)
        .where(ImportRow.job_id == job_id, col(ImportRow.position) >= start)
        .order_by(col(ImportRow.position))
    )
    if limit is not None:
        query = query.limit(limit)
    return [
        Row(number=r.number, cells={name: _decode(v) for name, v in r.cells.items()})
        for r in session.exec(query)
    ]


def has_rows(*, session: Session, job_id: int) -> bool:
    """Whether the job's rows are stored (jobs queued before rows were kept have none)."""
    return session.exec(select(ImportRow.id).where(ImportRow.job_id == job_id).limit(1)).first() is not None


def drop_rows(*, session: Session, job_id: int) -> None:
    """Forget the job's rows once it has ended: the report keeps what people need."""
    session.exec(delete(ImportRow).where(col(ImportRow.job_id) == job_id))
