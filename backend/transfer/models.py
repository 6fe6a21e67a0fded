"""Import jobs: one uploaded file being validated and stored, with its progress and report.

The file's rows are stored with the job (ImportRow) and its progress is committed chunk by
chunk, so any worker can carry on a job whose worker died: the job is held by a lease
(`lease`, `claimed_by`, `heartbeat_at`) that a worker renews with every transaction of the job.
"""

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.db import utcnow
from backend.matching.progress import IndexingProgress


class ImportJob(SQLModel, table=True):
    __tablename__ = "import_job"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)  # needs | results
    filename: str = Field(default="", max_length=255)
    policy: str = Field(max_length=20)  # all_or_nothing | valid_only
    publish: bool = False
    actor_id: int = Field(foreign_key="user.id", index=True)
    owner_id: int = Field(foreign_key="user.id")
    # Set once known; a new organisation is created only with the first stored row.
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    new_org: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    status: str = Field(default="queued", max_length=20, sa_type=String(20))
    total: int = 0
    processed: int = 0
    imported: int = 0
    invalid: int = 0
    skipped: int = 0  # 【示例】 rows
    errors: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    created_ids: list[int] = Field(default_factory=list, sa_type=JSON)
    ignored_headers: list[str] = Field(default_factory=list, sa_type=JSON)
    message: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    # The lease: raised by one at each claim (so a worker that lost the job sees it was taken),
    # the claiming worker ("host:pid"), and when that worker last wrote to the job.
    lease: int = 0
    claimed_by: str | None = Field(default=None, max_length=100)
    heartbeat_at: datetime = Field(default_factory=utcnow)


class ImportRow(SQLModel, table=True):
    """One data row of a queued job's file, as read (cells keyed by field); removed once the job ends."""

    __tablename__ = "import_row"
    __table_args__ = (UniqueConstraint("job_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="import_job.id")
    position: int  # 0-based order in the file: the job's `processed` counts rows done in this order
    number: int  # the row's number as the spreadsheet shows it (header = 1)
    cells: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


STATUS_LABELS = {
    "queued": "排队中",
    "running": "校验中",
    "importing": "写入中",
    "indexing": "编码入索引",
    "done": "已完成",
    "failed": "已中断",
}


class IndexingPublic(SQLModel):
    """Encoding of the new postings into the match index: texts done, rate, time left."""

    label: str
    state: str  # running | done | stopped
    done: int
    total: int
    texts_per_s: float
    seconds_left: float
    summary: str


class ImportJobPublic(SQLModel):
    """An import job's progress and report, as the API and the result page show it."""

    id: int
    kind: str
    filename: str
    policy: str
    publish: bool
    organisation_id: int | None
    owner_id: int
    status: str
    status_label: str
    finished: bool
    total: int
    processed: int
    imported: int
    invalid: int
    skipped: int
    errors: list[dict[str, Any]]
    created_ids: list[int]
    ignored_headers: list[str]
    message: str
    created_at: datetime
    finished_at: datetime | None
    indexing: IndexingPublic | None = None

    @classmethod
    def of(cls, job: ImportJob, indexing: IndexingProgress | None = None) -> "ImportJobPublic":
        data = job.model_dump()
        data["status_label"] = STATUS_LABELS.get(job.status, job.status)
        data["finished"] = job.status in ("done", "failed")
        if indexing is not None:
            data["indexing"] = IndexingPublic(**asdict(indexing), summary=indexing.summary)
        return cls.model_validate(data)
