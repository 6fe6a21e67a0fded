"""Import of needs/results: row validation through NeedCreate/ResultCreate, targets, job submission."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlmodel import Session, col, func, select

from backend.accounts.models import Organisation, User
from backend.db import utcnow
from backend.errors import InvalidInput, NotFound
from backend.errors.messages import field_errors
from backend.postings.need_model import NeedCreate
from backend.postings.result_model import ResultCreate
from backend.transfer.columns import EXAMPLE_PREFIX, KINDS, CellError, columns_for, header_label
from backend.transfer.models import ImportJob
from backend.transfer.payload import store_rows
from backend.transfer.reader import Row, read_table
from backend.vocab import REGIONS, OrgKind, Role

POLICIES = {"all_or_nothing": "全部成功才导入", "valid_only": "仅导入有效行"}
OWNER_ROLE = {"needs": Role.enterprise, "results": Role.researcher}


@dataclass
class Checked:
    """One row after validation: the model to store, or its errors; `example` rows are skipped."""

    number: int
    model: BaseModel | None
    errors: list[dict[str, Any]]
    example: bool = False


def _error(kind: str, number: int, field: str, message: str) -> dict[str, Any]:
    label = header_label(kind, field) if field else "整行"
    return {"row": number, "field": field, "label": label, "message": message}


def check_row(kind: str, row: Row) -> Checked:
    """Validate one row exactly as the posting forms do, with errors named by column header."""
    title = str(row.cells.get("title") or "").strip()
    if title.startswith(EXAMPLE_PREFIX):
        return Checked(row.number, None, [], example=True)
    data: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    bad: set[str] = set()
    for column in columns_for(kind):
        if column.field not in row.cells:
            continue
        try:
            value = column.parse(row.cells[column.field])
        except CellError as exc:
            errors.append(_error(kind, row.number, column.field, str(exc)))
            bad.add(column.field)
            continue
        if value is not None:
            data[column.field] = value
    schema: type[BaseModel] = NeedCreate if kind == "needs" else ResultCreate
    model: BaseModel | None = None
    try:
        model = schema.model_validate(data)
    except ValidationError as exc:
        for e in field_errors(exc.errors()):
            if e["field"] not in bad:
                errors.append(_error(kind, row.number, e["field"], e["message"]))
    valid_until = data.get("valid_until")
    if kind == "needs" and isinstance(valid_until, date) and valid_until <= utcnow().date():
        errors.append(_error(kind, row.number, "valid_until", "须晚于今天"))
    return Checked(row.number, None if errors else model, errors)


@dataclass(frozen=True)
class Target:
    """Where imported postings go: an existing organisation or a new one, and their owner."""

    organisation: Organisation | None
    new_org: dict[str, str] | None
    owner: User


def _org_by_name(session: Session, name: str) -> Organisation:
    found = list(session.exec(select(Organisation).where(Organisation.name == name).limit(2)))
    if not found:
        raise InvalidInput(
            f"没有名为“{name}”的单位；如需新建，请选择“新建单位”",
            detail=[{"field": "organisation_name", "label": "所属单位", "message": "单位不存在"}],
        )
    if len(found) > 1:
        raise InvalidInput(f"有多个名为“{name}”的单位，请通过接口按单位编号导入")
    return found[0]


def _new_org(session: Session, name: str, kind: str, region: str) -> dict[str, str]:
    problems = []
    if not 2 <= len(name) <= 100:
        problems.append(
            {"field": "new_org_name", "label": "新单位名称", "message": "请填写 2–100 字的单位名称"}
        )
    if kind not in {k.value for k in OrgKind}:
        problems.append({"field": "new_org_kind", "label": "单位类型", "message": "请从列表中选择"})
    if region not in REGIONS:
        problems.append({"field": "new_org_region", "label": "所在地区", "message": "请选择省级行政区"})
    if problems:
        raise InvalidInput("新单位信息有误：" + "；".join(p["message"] for p in problems), detail=problems)
    if session.exec(select(Organisation.id).where(Organisation.name == name)).first() is not None:
        raise InvalidInput(f"单位“{name}”已存在，请选择“已有单位”")
    return {"name": name, "kind": kind, "region": region}


def choose_target(
    *,
    session: Session,
    actor: User,
    kind: str,
    organisation_id: int | None = None,
    organisation_name: str = "",
    new_org: dict[str, str] | None = None,
    owner_id: int | None = None,
    owner_email: str = "",
) -> Target:
    """Check the owning organisation and owner: a user of that organisation, or the operator."""
    org: Organisation | None = None
    spec: dict[str, str] | None = None
    if new_org is not None:
        spec = _new_org(
            session, new_org.get("name", "").strip(), new_org.get("kind", ""), new_org.get("region", "")
        )
    elif organisation_id is not None:
        org = session.get(Organisation, organisation_id)
        if org is None:
            raise NotFound("单位不存在")
    elif organisation_name.strip():
        org = _org_by_name(session, organisation_name.strip())
    else:
        raise InvalidInput(
            "请选择所属单位",
            detail=[{"field": "organisation_name", "label": "所属单位", "message": "此项为必填项"}],
        )
    owner = actor
    if owner_id is not None and owner_id != actor.id:
        owner = _owner(session.get(User, owner_id), org, kind)
    elif owner_email.strip() and owner_email.strip().lower() != actor.email.lower():
        found = session.exec(
            select(User).where(func.lower(User.email) == owner_email.strip().lower())
        ).first()
        owner = _owner(found, org, kind)
    return Target(organisation=org, new_org=spec, owner=owner)


def _owner(user: User | None, org: Organisation | None, kind: str) -> User:
    label = "企业用户" if kind == "needs" else "科研人员"
    if user is None or org is None or user.organisation_id != org.id or not user.is_active:
        raise InvalidInput(
            "负责账号须是所选单位的在用账号，或者由您本人负责",
            detail=[{"field": "owner", "label": "负责账号", "message": "不是该单位的账号"}],
        )
    if user.role != OWNER_ROLE[kind]:
        raise InvalidInput(f"负责账号须是{label}，或者由您本人负责")
    return user


def submit(
    *,
    session: Session,
    actor: User,
    kind: str,
    target: Target,
    filename: str,
    data: bytes,
    policy: str,
    publish: bool,
) -> ImportJob:
    """Read the file (refusing it whole if unreadable) and record a queued job with its rows
    (kept in the database, so whichever worker runs the job reads them from there)."""
    if kind not in KINDS:
        raise InvalidInput("请选择导入需求还是成果")
    if policy not in POLICIES:
        raise InvalidInput("请选择导入方式")
    table = read_table(kind=kind, filename=filename, data=data)
    job = ImportJob(
        kind=kind,
        filename=filename[:255],
        policy=policy,
        publish=publish,
        actor_id=actor.id or 0,
        owner_id=target.owner.id or 0,
        organisation_id=target.organisation.id if target.organisation else None,
        new_org=target.new_org,
        total=len(table.rows),
        ignored_headers=table.ignored_headers[:50],
    )
    session.add(job)
    session.flush()
    assert job.id is not None
    store_rows(session=session, job_id=job.id, rows=table.rows)
    return job


def get_job(*, session: Session, job_id: int) -> ImportJob:
    """An import job, or NotFound."""
    job = session.get(ImportJob, job_id)
    if job is None:
        raise NotFound("导入任务不存在")
    return job


def recent_jobs(*, session: Session, limit: int = 10) -> list[ImportJob]:
    """The latest import jobs, newest first."""
    return list(session.exec(select(ImportJob).order_by(col(ImportJob.id).desc()).limit(limit)))
