"""JSON API of bulk import (operators only): submit a file, follow its job."""

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import BaseModel

from backend.accounts.deps import OperatorUser
from backend.deps import SessionDep
from backend.matching import progress
from backend.transfer import importer
from backend.transfer.models import ImportJobPublic
from backend.transfer.pages import RunnerDep
from backend.transfer.reader import MAX_BYTES

router = APIRouter(prefix="/ops/import", tags=["import"])


class JobAccepted(BaseModel):
    job_id: int
    status: str
    total: int
    url: str


@router.post("", status_code=202)
def submit_import(
    session: SessionDep,
    operator: OperatorUser,
    run: RunnerDep,
    file: Annotated[UploadFile, File()],
    kind: Annotated[str, Form(pattern="^(needs|results)$")],
    organisation_id: Annotated[int, Form()],
    owner_id: Annotated[int | None, Form()] = None,
    policy: Annotated[str, Form(pattern="^(all_or_nothing|valid_only)$")] = "all_or_nothing",
    publish: Annotated[bool, Form()] = False,
) -> JobAccepted:
    """Queue an import of needs or results; poll the returned job for progress and the report."""
    target = importer.choose_target(
        session=session, actor=operator, kind=kind, organisation_id=organisation_id, owner_id=owner_id
    )
    job = importer.submit(
        session=session,
        actor=operator,
        kind=kind,
        target=target,
        filename=file.filename or "upload",
        data=file.file.read(MAX_BYTES + 1),
        policy=policy,
        publish=publish,
    )
    assert job.id is not None
    session.commit()  # the worker reads the job from its own session
    run(job.id)
    return JobAccepted(job_id=job.id, status=job.status, total=job.total, url=f"/api/ops/import/{job.id}")


@router.get("/{job_id}")
def import_status(job_id: int, session: SessionDep, operator: OperatorUser) -> ImportJobPublic:
    """An import job's progress and, once finished, its report."""
    return ImportJobPublic.of(importer.get_job(session=session, job_id=job_id), progress.of_job(job_id))
