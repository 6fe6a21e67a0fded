"""Import templates: allowed values listed, the example row skipped on import."""

import csv
import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from backend.accounts.models import User
from backend.postings.need_model import Need
from tests.backend.transfer.kit import (
    api_import,
    csv_bytes,
    job_report,
    need_row,
    titles,
)


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
