"""Bulk import of needs and results: file checks, row reports, both policies, jobs and progress."""

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlmodel import Session, col, func, select

from backend.accounts.models import Organisation, User
from backend.audit.models import AuditEntry
from backend.main import app
from backend.matching.lifecycle import use_engine
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.transfer import worker
from backend.transfer.columns import columns_for
from backend.transfer.models import ImportJob
from backend.transfer.reader import MAX_BYTES
from backend.vocab import OrgKind, PostingStatus, Role
from embeddings.engine import MatchEngine
from tests.embeddings.kit import FakeEncoder
from tests.factories import login, make_org, make_user, need_data, result_data

INJECTION = "=cmd|' /C calc'!A0"


# --- helpers shared with test_export ---------------------------------------------------------
def sheet_row(kind: str, data: dict[str, Any]) -> list[Any]:
    """A factory record as one spreadsheet row, in the template's column order."""
    return [c.show(data.get(c.field)) if c.field in data else "" for c in columns_for(kind)]


def need_row(**overrides: Any) -> list[Any]:
    data = need_data(**overrides)
    data["valid_until"] = None if data["valid_until"] is None else _date(data["valid_until"])
    return sheet_row("needs", data)


def result_row(**overrides: Any) -> list[Any]:
    return sheet_row("results", result_data(**overrides))


def _date(text: str) -> Any:
    from datetime import date

    return date.fromisoformat(text)


def with_cell(kind: str, row: list[Any], header: str, value: Any) -> list[Any]:
    """`row` with the cell under `header` replaced."""
    row = list(row)
    row[headers(kind).index(header)] = value
    return row


def headers(kind: str) -> list[str]:
    return [c.header for c in columns_for(kind)]


def csv_bytes(head: list[str], rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(head)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(head: list[str], rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(head)
    for row in rows:
        sheet.append(row)
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text that starts with '=' stays text
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def inline_jobs(client: TestClient, session: Session) -> Iterator[None]:
    """Run import jobs inline, in the test's transaction, each chunk still its own commit."""

    @contextmanager
    def scope() -> Iterator[Session]:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    def run(job_id: int, rows: list[Any]) -> None:
        worker.run_job(job_id=job_id, rows=rows, scope=scope)

    app.dependency_overrides[worker.job_runner] = lambda: run
    yield
    app.dependency_overrides.pop(worker.job_runner, None)


@pytest.fixture
def operator(session: Session, client: TestClient, inline_jobs: None) -> User:
    user = make_user(session, Role.operator)
    login(client, user)
    return user


@pytest.fixture
def enterprise(session: Session) -> User:
    org = make_org(session, name="武汉某生物科技有限公司", kind=OrgKind.enterprise)
    user = make_user(session, Role.enterprise, organisation_id=org.id)
    session.commit()  # survives a refused request's rollback
    return user


@pytest.fixture
def university(session: Session) -> User:
    org = make_org(session, name="某某大学", kind=OrgKind.university)
    user = make_user(session, Role.researcher, organisation_id=org.id)
    session.commit()  # survives a refused request's rollback
    return user


def api_import(
    client: TestClient,
    *,
    kind: str,
    org_id: int,
    data: bytes,
    filename: str,
    policy: str = "valid_only",
    owner_id: int | None = None,
    publish: bool = True,
) -> Any:
    form: dict[str, Any] = {"kind": kind, "organisation_id": org_id, "policy": policy, "publish": publish}
    if owner_id is not None:
        form["owner_id"] = owner_id
    return client.post(
        "/api/ops/import",
        data=form,
        files={"file": (filename, data)},
        headers={"X-Requested-With": "XMLHttpRequest"},  # the API's CSRF rule for multipart
    )


def job_report(client: TestClient, response: Any) -> dict[str, Any]:
    assert response.status_code == 202, response.text
    report = client.get(response.json()["url"]).json()
    assert report["finished"], report
    return report  # type: ignore[no-any-return]


def count(session: Session, model: Any) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def titles(session: Session, model: Any) -> set[str]:
    return set(session.exec(select(model.title)))


# --- a needs CSV with good and bad rows ---------------------------------------------------------
GOOD_TITLE = "导入的好需求：发酵染菌"


def mixed_needs() -> list[list[Any]]:
    return [
        need_row(title=GOOD_TITLE),  # row 2
        need_row(title=""),  # 3: missing title
        need_row(title="长" * 81),  # 4: too long
        need_row(title="地区写错的需求", region="火星"),  # 5
        need_row(title="成熟度写错的需求", trl_wanted=12),  # 6
        with_cell("needs", need_row(title="方式写错的需求"), "合作方式", "瞎合作"),  # 7
        need_row(title="预算倒挂的需求", budget_min=200, budget_max=100),  # 8
        need_row(title=INJECTION),  # 9: formula-like text, stored as text
    ]


BAD = {3: "title", 4: "title", 5: "region", 6: "trl_wanted", 7: "modes", 8: "budget_max"}


def _bad_rows(report: dict[str, Any]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for e in report["errors"]:
        out.setdefault(e["row"], set()).add(e["field"])
    return out


def test_valid_only_imports_exactly_the_valid_rows(
    client: TestClient, session: Session, operator: User, enterprise: User
) -> None:
    before = count(session, Need)
    data = csv_bytes(headers("needs"), mixed_needs())
    report = job_report(
        client,
        api_import(
            client,
            kind="needs",
            org_id=enterprise.organisation_id,
            owner_id=enterprise.id,
            data=data,
            filename="n.csv",
        ),
    )
    assert _bad_rows(report) == {row: {field} for row, field in BAD.items()}
    assert (report["total"], report["imported"], report["invalid"]) == (8, 2, 6)
    assert report["processed"] == report["total"]
    labels = {(e["row"], e["label"]) for e in report["errors"]}
    assert (4, "标题") in labels and (6, "期望成熟度(1-9)") in labels and (7, "合作方式") in labels
    messages = {e["row"]: e["message"] for e in report["errors"]}
    assert messages[4] == "不能超过 80 个字"
    assert messages[6] == "不能大于 9"
    assert "瞎合作" in messages[7]
    assert messages[8] == "预算下限不能高于上限"

    assert count(session, Need) == before + 2
    stored = {n.title: n for n in session.exec(select(Need).where(col(Need.id).in_(report["created_ids"])))}
    assert set(stored) == {GOOD_TITLE, INJECTION}  # the formula-like title is kept verbatim, as text
    for need in stored.values():
        assert need.organisation_id == enterprise.organisation_id
        assert need.owner_id == enterprise.id
        assert need.status == PostingStatus.published  # the operator imported it
    assert "地区写错的需求" not in titles(session, Need)
    audited = session.exec(
        select(AuditEntry).where(
            AuditEntry.entity == "need", col(AuditEntry.entity_id).in_(report["created_ids"])
        )
    )
    assert {(a.action, a.actor_id) for a in audited} >= {("create", operator.id), ("publish", operator.id)}


def test_all_or_nothing_stores_nothing_when_any_row_is_bad(
    client: TestClient, session: Session, operator: User, enterprise: User
) -> None:
    before = count(session, Need)
    data = csv_bytes(headers("needs"), mixed_needs())
    report = job_report(
        client,
        api_import(
            client,
            kind="needs",
            org_id=enterprise.organisation_id,
            policy="all_or_nothing",
            data=data,
            filename="n.csv",
        ),
    )
    assert _bad_rows(report) == {row: {field} for row, field in BAD.items()}
    assert report["imported"] == 0 and report["created_ids"] == []
    assert "未导入任何数据" in report["message"]
    assert count(session, Need) == before
    assert GOOD_TITLE not in titles(session, Need)


def test_all_or_nothing_imports_everything_when_all_rows_are_good(
    client: TestClient, session: Session, operator: User, enterprise: User
) -> None:
    rows = [need_row(title=f"批量需求第{i}条") for i in range(5)]
    data = csv_bytes(headers("needs"), rows)
    report = job_report(
        client,
        api_import(
            client,
            kind="needs",
            org_id=enterprise.organisation_id,
            policy="all_or_nothing",
            publish=False,
            data=data,
            filename="n.csv",
        ),
    )
    assert (report["imported"], report["invalid"]) == (5, 0)
    stored = list(session.exec(select(Need).where(col(Need.id).in_(report["created_ids"]))))
    assert {n.title for n in stored} == {f"批量需求第{i}条" for i in range(5)}
    assert {n.status for n in stored} == {PostingStatus.draft}
    assert {n.owner_id for n in stored} == {operator.id}  # no owner chosen: the operator


def test_results_xlsx_under_both_policies(
    client: TestClient, session: Session, operator: User, university: User
) -> None:
    rows = [
        result_row(title="导入的好成果：拉曼监测"),  # 2
        result_row(title=""),  # 3
        result_row(title="成熟度十二级的成果", trl=12),  # 4
        with_cell("results", result_row(title="形式不明的成果"), "成果形式", "论文"),  # 5
        result_row(title="价格没填的成果", price=None, price_negotiable=False),  # 6
        result_row(title=INJECTION),  # 7
    ]
    data = xlsx_bytes(headers("results"), rows)
    before = count(session, Result)
    strict = job_report(
        client,
        api_import(
            client,
            kind="results",
            org_id=university.organisation_id,
            policy="all_or_nothing",
            data=data,
            filename="r.xlsx",
        ),
    )
    assert _bad_rows(strict) == {3: {"title"}, 4: {"trl"}, 5: {"form"}, 6: {"price"}}
    assert count(session, Result) == before

    loose = job_report(
        client,
        api_import(
            client,
            kind="results",
            org_id=university.organisation_id,
            owner_id=university.id,
            data=data,
            filename="r.xlsx",
        ),
    )
    assert _bad_rows(loose) == _bad_rows(strict)
    assert count(session, Result) == before + 2
    assert {"导入的好成果：拉曼监测", INJECTION} <= titles(session, Result)
    labels = {e["row"]: e["label"] for e in loose["errors"]}
    assert labels[3] == "成果名称" and labels[4] == "技术成熟度(1-9)" and labels[5] == "成果形式"


def test_labels_codes_and_short_forms_are_accepted(
    client: TestClient, session: Session, operator: User, enterprise: User
) -> None:
    row = need_row(title="用代码填写的需求")
    head = headers("needs")
    row[head.index("技术领域")] = "new_materials"
    row[head.index("合作方式")] = "转让，委托开发; license_general"
    row[head.index("所在地区")] = "湖北"
    row[head.index("保密级别")] = "脱敏"
    row[head.index("有效期至")] = "2099/6/30"
    report = job_report(
        client,
        api_import(
            client,
            kind="needs",
            org_id=enterprise.organisation_id,
            data=csv_bytes(head, [row]),
            filename="c.csv",
        ),
    )
    assert report["imported"] == 1, report["errors"]
    need = session.get(Need, report["created_ids"][0])
    assert need is not None
    assert (
        need.field == "new_materials" and need.region == "湖北省" and need.confidentiality == "desensitized"
    )
    assert list(need.modes) == ["transfer", "commissioned", "license_general"]
    assert need.valid_until.isoformat() == "2099-06-30"


def test_gbk_and_bom_csv_decode(
    client: TestClient, session: Session, operator: User, enterprise: User
) -> None:
    for encoding, title in (("gbk", "国标编码的需求标题"), ("utf-8-sig", "带签名编码的需求标题")):
        data = csv_bytes(headers("needs"), [need_row(title=title)], encoding=encoding)
        report = job_report(
            client,
            api_import(client, kind="needs", org_id=enterprise.organisation_id, data=data, filename="g.csv"),
        )
        assert report["imported"] == 1, report
        assert title in titles(session, Need)


def test_example_row_of_the_template_is_skipped(
    client: TestClient, session: Session, operator: User, enterprise: User
) -> None:
    template = client.get("/ops/import/template/needs.csv").content
    rows = list(csv.reader(io.StringIO(template.decode("utf-8-sig"))))
    rows.append(need_row(title="模板后面填的需求"))
    data = csv_bytes(rows[0], rows[1:])
    report = job_report(
        client,
        api_import(client, kind="needs", org_id=enterprise.organisation_id, data=data, filename="t.csv"),
    )
    assert (report["imported"], report["skipped"], report["invalid"]) == (1, 1, 0)
    assert not any(t.startswith("【示例】") for t in titles(session, Need))


@pytest.mark.parametrize(
    ("content", "filename", "expected"),
    [
        (csv_bytes(["标题", "说明"], [["a", "b"]]), "wrong.csv", "缺少列：拟解决的技术难题"),
        (b"", "empty.csv", "文件是空的"),
        (csv_bytes(headers("needs"), []), "head.csv", "没有数据行"),
        (b"\xff\xfe\x00\x00garbage" * 10, "bin.csv", "CSV"),
        ("标题".encode() + b"\x81\x20\xff" * 20, "mojibake.csv", "编码"),
        (b"x" * (MAX_BYTES + 1), "big.csv", "超过 5 MB"),
        (b"\xd0\xcf\x11\xe0rest", "old.xls", ".xls"),
        (b"PK\x03\x04broken", "broken.xlsx", "已损坏"),
    ],
)
def test_bad_files_are_refused_whole(
    client: TestClient,
    session: Session,
    operator: User,
    enterprise: User,
    content: bytes,
    filename: str,
    expected: str,
) -> None:
    needs, jobs = count(session, Need), count(session, ImportJob)
    response = api_import(
        client, kind="needs", org_id=enterprise.organisation_id, data=content, filename=filename
    )
    assert response.status_code == 422, response.text
    assert expected in response.json()["error"]
    assert (count(session, Need), count(session, ImportJob)) == (needs, jobs)


def test_formula_cells_are_refused(
    client: TestClient, session: Session, operator: User, enterprise: User
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(headers("needs"))
    sheet.append(need_row(title="公式行"))
    sheet["B2"] = "=A2&A2"  # a real formula
    out = io.BytesIO()
    book.save(out)
    before = count(session, Need)
    response = api_import(
        client, kind="needs", org_id=enterprise.organisation_id, data=out.getvalue(), filename="f.xlsx"
    )
    assert response.status_code == 422
    assert "公式" in response.json()["error"] and "B2" in response.json()["error"]
    assert count(session, Need) == before


def test_too_many_rows_are_refused(
    client: TestClient, session: Session, operator: User, enterprise: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backend.transfer import reader

    monkeypatch.setattr(reader, "MAX_ROWS", 3)
    data = csv_bytes(headers("needs"), [need_row(title=f"行{i}需求") for i in range(4)])
    response = api_import(
        client, kind="needs", org_id=enterprise.organisation_id, data=data, filename="many.csv"
    )
    assert response.status_code == 422 and "超过 3 行" in response.json()["error"]


def test_owner_must_belong_to_the_organisation_and_fit_the_kind(
    client: TestClient, session: Session, operator: User, enterprise: User, university: User
) -> None:
    data = csv_bytes(headers("needs"), [need_row()])
    foreign = api_import(
        client,
        kind="needs",
        org_id=enterprise.organisation_id,
        owner_id=university.id,
        data=data,
        filename="n.csv",
    )
    assert foreign.status_code == 422
    wrong_role = api_import(
        client,
        kind="results",
        org_id=university.organisation_id,
        owner_id=make_user(session, Role.enterprise, organisation_id=university.organisation_id).id,
        data=data,
        filename="n.csv",
    )
    assert wrong_role.status_code == 422 and "科研人员" in wrong_role.json()["error"]


def test_non_operators_are_refused(client: TestClient, session: Session, enterprise: User) -> None:
    login(client, enterprise)
    data = csv_bytes(headers("needs"), [need_row()])
    assert client.get("/ops/import").status_code == 403
    assert client.get("/ops/import/template/needs.xlsx").status_code == 403
    response = api_import(
        client, kind="needs", org_id=enterprise.organisation_id, data=data, filename="n.csv"
    )
    assert response.status_code == 403
    assert client.get("/api/ops/import/1").status_code == 403


def _csrf(client: TestClient) -> str:
    token = BeautifulSoup(client.get("/ops/import").text, "html.parser").select_one("input[name=csrf_token]")
    assert token is not None
    return str(token["value"])


def _page_post(client: TestClient, data: bytes, filename: str, **form: str) -> Any:
    fields = {"kind": "needs", "org_mode": "existing", "policy": "valid_only", "publish": "1"} | form
    fields["csrf_token"] = _csrf(client)
    return client.post("/ops/import", data=fields, files={"file": (filename, data)}, follow_redirects=False)


def test_page_import_into_a_new_organisation_shows_progress_and_report(
    client: TestClient, session: Session, operator: User
) -> None:
    rows = [*mixed_needs()]
    form = {
        "org_mode": "new",
        "new_org_name": "新建的测试企业",
        "new_org_kind": "enterprise",
        "new_org_region": "湖南省",
    }
    response = _page_post(client, csv_bytes(headers("needs"), rows), "n.csv", **form)
    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"])
    html = BeautifulSoup(page.text, "html.parser")
    assert "已处理 8 / 8 行" in html.select_one("#job-progress").get_text()  # type: ignore[union-attr]
    cells = [[td.get_text() for td in tr.select("td")] for tr in html.select(".transfer-errors tbody tr")]
    assert ["第 5 行", "所在地区", "请选择省级行政区，如“湖北省”"] in cells
    assert {c[0] for c in cells} == {f"第 {r} 行" for r in BAD}
    assert html.select_one("#count-imported").get_text() == "2"  # type: ignore[union-attr]
    org = session.exec(select(Organisation).where(Organisation.name == "新建的测试企业")).one()
    assert org.region == "湖南省" and org.kind == OrgKind.enterprise
    stored = session.exec(select(Need).where(Need.organisation_id == org.id))
    assert {n.title for n in stored} == {GOOD_TITLE, INJECTION}


def test_new_organisation_is_not_created_when_nothing_is_imported(
    client: TestClient, session: Session, operator: User
) -> None:
    form = {
        "org_mode": "new",
        "new_org_name": "不会被创建的企业",
        "new_org_kind": "enterprise",
        "new_org_region": "湖南省",
        "policy": "all_or_nothing",
    }
    response = _page_post(client, csv_bytes(headers("needs"), mixed_needs()), "n.csv", **form)
    assert response.status_code == 303
    assert session.exec(select(Organisation).where(Organisation.name == "不会被创建的企业")).first() is None


def test_page_shows_file_errors_and_stores_nothing(
    client: TestClient, session: Session, operator: User, enterprise: User
) -> None:
    jobs = count(session, ImportJob)
    org = session.get(Organisation, enterprise.organisation_id)
    assert org is not None
    response = _page_post(client, csv_bytes(["标题"], [["x"]]), "n.csv", organisation_name=org.name)
    assert response.status_code == 422
    alert = BeautifulSoup(response.text, "html.parser").select_one(".form-errors")
    assert alert is not None and "缺少列" in alert.get_text() and "联系人" in alert.get_text()
    assert count(session, ImportJob) == jobs


def test_progress_is_recorded_chunk_by_chunk(
    client: TestClient, session: Session, operator: User, enterprise: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker, "CHUNK", 3)
    seen: list[tuple[int, int]] = []
    real: Callable[..., Any] = worker._record

    def spy(job: ImportJob, checked: Any, ids: list[int]) -> None:
        real(job, checked, ids)
        seen.append((job.processed, job.imported))

    monkeypatch.setattr(worker, "_record", spy)
    rows = [need_row(title=f"分块导入需求{i}") for i in range(7)] + [need_row(title="")]
    report = job_report(
        client,
        api_import(
            client,
            kind="needs",
            org_id=enterprise.organisation_id,
            data=csv_bytes(headers("needs"), rows),
            filename="p.csv",
        ),
    )
    assert seen == [(3, 3), (6, 6), (8, 7)]
    assert (report["processed"], report["total"], report["imported"], report["status"]) == (8, 8, 7, "done")
    assert [e["row"] for e in report["errors"]] == [9]


def test_published_imports_are_encoded_in_one_batch(
    client: TestClient, session: Session, operator: User, enterprise: User
) -> None:
    encoder = FakeEncoder()
    engine = MatchEngine(encoder=encoder, index_dir=None)
    use_engine(engine)
    try:
        rows = [need_row(title=f"要编码的需求{i}") for i in range(6)]
        report = job_report(
            client,
            api_import(
                client,
                kind="needs",
                org_id=enterprise.organisation_id,
                data=csv_bytes(headers("needs"), rows),
                filename="e.csv",
            ),
        )
    finally:
        use_engine(None)
    assert report["imported"] == 6
    assert encoder.calls == 1 and len(encoder.texts) == 6
    assert engine.count(side="need") == 6


def test_xlsx_template_lists_allowed_values(client: TestClient, operator: User) -> None:
    response = client.get("/ops/import/template/results.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["数据", "填写说明"]
    head = [c.value for c in book["数据"][1]]
    assert head[:4] == ["成果名称", "成果简介", "技术优势", "技术领域"]
    assert "技术成熟度(1-9)" in head and "报价(万元)" in head and "完成单位/完成人" in head
    notes = {row[0]: row[2] for row in book["填写说明"].iter_rows(min_row=2, values_only=True)}
    assert "独占许可、排他许可" in notes["转化方式"]
    assert "发明专利" in notes["成果形式"]


def test_default_runner_imports_in_a_thread_with_its_own_sessions(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alembic import command
    from backend.db import make_engine
    from backend.transfer.reader import Row
    from tests.conftest import alembic_config

    engine = make_engine(f"sqlite:///{tmp_path / 'thread.db'}")
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
    monkeypatch.setattr(worker, "get_engine", lambda: engine)
    with Session(engine) as db:
        op = make_user(db, Role.operator)
        org = make_org(db, kind=OrgKind.enterprise)
        job = ImportJob(
            kind="needs", policy="valid_only", actor_id=op.id, owner_id=op.id, organisation_id=org.id, total=3
        )
        db.add(job)
        db.commit()
        job_id = job.id
    head = headers("needs")
    rows = [
        Row(
            number=i + 2,
            cells=dict(
                zip([c.field for c in columns_for("needs")], need_row(title=f"线程导入{i}"), strict=True)
            ),
        )
        for i in range(3)
    ]
    assert job_id is not None
    thread = worker.start_in_thread(job_id, rows)
    thread.join(timeout=60)
    assert len(head) == len(rows[0].cells)
    with Session(engine) as db:
        done = db.get(ImportJob, job_id)
        assert done is not None
        assert (done.status, done.processed, done.imported) == ("done", 3, 3)
        assert set(db.exec(select(Need.title))) == {f"线程导入{i}" for i in range(3)}
    engine.dispose()
