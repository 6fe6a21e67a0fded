"""Operators' pages: import form, job progress and report, template downloads, exports."""

from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session, select

from backend.accounts.deps import CsrfChecked, OperatorUser
from backend.accounts.models import Organisation, User
from backend.deps import SessionDep
from backend.errors import InvalidInput, NotFound
from backend.errors.messages import first_by_field
from backend.matching import progress
from backend.matching.progress import IndexingProgress
from backend.templating import redirect, render
from backend.transfer import exporter, importer
from backend.transfer.models import ImportJob, ImportJobPublic
from backend.transfer.reader import MAX_BYTES, MAX_ROWS
from backend.transfer.worker import Runner, job_runner
from backend.vocab import PairingStatus, PostingStatus, TechField

router = APIRouter(include_in_schema=False)
RunnerDep = Annotated[Runner, Depends(job_runner)]
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
KIND_LABELS = {"needs": "技术需求", "results": "科技成果", "pairings": "对接记录"}


@dataclass
class ImportPage:
    """Context of the import form."""

    title: str
    organisations: list[str]
    jobs: list[ImportJob]
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    message: str = ""
    problems: list[str] = field(default_factory=list)
    policies: dict[str, str] = field(default_factory=lambda: importer.POLICIES)
    max_mb: int = MAX_BYTES // (1024 * 1024)
    max_rows: int = MAX_ROWS
    statuses: list[tuple[str, str]] = field(default_factory=PostingStatus.choices)
    pairing_statuses: list[tuple[str, str]] = field(default_factory=PairingStatus.choices)
    fields: list[tuple[str, str]] = field(default_factory=TechField.choices)
    indexing: IndexingProgress | None = None  # an index rebuild or import being encoded now


@dataclass
class JobPage:
    """Context of an import job's progress / report page."""

    title: str
    job: ImportJobPublic
    kind_label: str
    policy_label: str
    organisation: str
    owner: str
    indexing: IndexingProgress | None = None  # encoding the job's new postings into the index


def download(data: bytes, filename: str, fmt: str) -> Response:
    """A file download with a Chinese file name (and an ASCII fallback)."""
    ascii_name = f"export.{fmt}"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, media_type=MEDIA[fmt], headers={"Content-Disposition": disposition})


def split_name(name: str, allowed: tuple[str, ...]) -> tuple[str, str]:
    """'needs.xlsx' → ('needs', 'xlsx'), or NotFound."""
    stem, _, fmt = name.rpartition(".")
    if stem not in allowed or fmt not in MEDIA:
        raise NotFound("没有这种文件")
    return stem, fmt


def _import_page(session: Session, **extra: Any) -> ImportPage:
    names = list(session.exec(select(Organisation.name).order_by(Organisation.name).limit(1000)))
    jobs = importer.recent_jobs(session=session)
    running = progress.latest()
    indexing = running if running is not None and running.running else None
    return ImportPage(title="批量导入与导出", organisations=names, jobs=jobs, indexing=indexing, **extra)


@router.get("/ops/import", response_class=HTMLResponse)
def import_form(request: Request, session: SessionDep, operator: OperatorUser) -> HTMLResponse:
    page = _import_page(session, values={"kind": "needs", "org_mode": "existing", "policy": "valid_only"})
    return render(request, "transfer/import.html", page)


@router.post("/ops/import", dependencies=[CsrfChecked], response_model=None)
def import_upload(
    request: Request,
    session: SessionDep,
    operator: OperatorUser,
    run: RunnerDep,
    file: Annotated[UploadFile | None, File()] = None,
    kind: Annotated[str, Form()] = "",
    org_mode: Annotated[str, Form()] = "existing",
    organisation_name: Annotated[str, Form()] = "",
    new_org_name: Annotated[str, Form()] = "",
    new_org_kind: Annotated[str, Form()] = "",
    new_org_region: Annotated[str, Form()] = "",
    owner_email: Annotated[str, Form()] = "",
    policy: Annotated[str, Form()] = "",
    publish: Annotated[str, Form()] = "",
) -> Response:
    values = {
        "kind": kind,
        "org_mode": org_mode,
        "organisation_name": organisation_name,
        "new_org_name": new_org_name,
        "new_org_kind": new_org_kind,
        "new_org_region": new_org_region,
        "owner_email": owner_email,
        "policy": policy,
        "publish": publish,
    }
    try:
        if file is None or not file.filename:
            raise InvalidInput(
                "请选择要上传的文件", detail=[{"field": "file", "label": "文件", "message": "请选择文件"}]
            )
        new_org = None
        if org_mode == "new":
            new_org = {"name": new_org_name, "kind": new_org_kind, "region": new_org_region}
        target = importer.choose_target(
            session=session,
            actor=operator,
            kind=kind,
            organisation_name=organisation_name,
            new_org=new_org,
            owner_email=owner_email,
        )
        data = file.file.read(MAX_BYTES + 1)
        job = importer.submit(
            session=session,
            actor=operator,
            kind=kind,
            target=target,
            filename=file.filename,
            data=data,
            policy=policy,
            publish=publish == "1",
        )
    except InvalidInput as exc:
        detail = exc.detail if isinstance(exc.detail, list) else []
        page = _import_page(
            session,
            values=values,
            errors=first_by_field(detail),
            message=exc.message,
            problems=[d["message"] for d in detail if d.get("field") == "file"][:50],
        )
        return render(request, "transfer/import.html", page, status_code=422)
    assert job.id is not None
    session.commit()  # the worker reads the job from its own session
    run(job.id)
    return redirect(f"/ops/import/{job.id}", "文件已上传，正在导入")


@router.get("/ops/import/template/{name}")
def import_template(name: str, operator: OperatorUser) -> Response:
    kind, fmt = split_name(name, ("needs", "results"))
    data = exporter.template(kind=kind, fmt=fmt)
    return download(data, f"{KIND_LABELS[kind]}导入模板.{fmt}", fmt)


@router.get("/ops/import/{job_id}", response_class=HTMLResponse)
def import_job(request: Request, job_id: int, session: SessionDep, operator: OperatorUser) -> HTMLResponse:
    job = importer.get_job(session=session, job_id=job_id)
    org = session.get(Organisation, job.organisation_id) if job.organisation_id else None
    owner = session.get(User, job.owner_id)
    org_name = org.name if org else f"{(job.new_org or {}).get('name', '')}（新建，导入成功后创建）"
    indexing = progress.of_job(job_id)
    page = JobPage(
        title=f"导入{KIND_LABELS[job.kind]}",
        job=ImportJobPublic.of(job, indexing),
        kind_label=KIND_LABELS[job.kind],
        policy_label=importer.POLICIES.get(job.policy, job.policy),
        organisation=org_name,
        owner=f"{owner.name}（{owner.email}）" if owner else "",
        indexing=indexing,
    )
    return render(request, "transfer/job.html", page)


@router.get("/ops/export/{name}")
def export(
    name: str,
    session: SessionDep,
    operator: OperatorUser,
    status: str = "",
    field: str = "",
) -> Response:
    what, fmt = split_name(name, ("needs", "results", "pairings"))
    if what == "pairings":
        if status and status not in PairingStatus.__members__:
            raise InvalidInput("状态不正确")
        headers, rows = exporter.pairing_rows(session=session, status=status or None)
    else:
        if status and status not in PostingStatus.__members__:
            raise InvalidInput("状态不正确")
        if field and field not in TechField.__members__:
            raise InvalidInput("技术领域不正确")
        headers, rows = exporter.posting_rows(
            session=session, kind=what, status=status or None, field=field or None
        )
    data = exporter.to_csv(headers, rows) if fmt == "csv" else exporter.to_xlsx(headers, rows)
    return download(data, f"{KIND_LABELS[what]}.{fmt}", fmt)
