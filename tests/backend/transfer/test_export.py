"""Exports of needs, results and pairings: headers, formula guard, filters, and a clean round trip."""

import csv
import io
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, col, select

from backend.pairings.models import Pairing
from backend.postings.need_model import Need, NeedBase
from backend.postings.result_model import Result, ResultBase
from backend.vocab import OrgKind, PairingStatus, Proposer, Role
from tests.backend.transfer.kit import INJECTION, api_import, job_report
from tests.factories import login, make_need, make_org, make_result, make_user


def _csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"\xef\xbb\xbf")  # BOM, so Excel reads UTF-8
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def postings(session: Session) -> dict[str, Any]:
    ent = make_user(session, Role.enterprise)
    res = make_user(session, Role.researcher)
    need = make_need(session, ent, title=INJECTION, keywords=["发酵", "+染菌"], modes=["transfer", "equity"])
    draft = make_need(session, ent, publish=False, title="尚未发布的草稿需求", field="new_materials")
    result = make_result(session, res, title="@成果标题以at开头", price=None, price_negotiable=True)
    pairing = Pairing(
        need_id=need.id, result_id=result.id, score=83.456, proposed_by=Proposer.operator,
        proposed_by_user_id=ent.id, status=PairingStatus.signed, contract_amount=120.0, signed_on=date(2026, 10, 1),
    )  # fmt: skip
    session.add(pairing)
    session.commit()
    return {"need": need, "draft": draft, "result": result, "ent": ent}


def test_needs_csv_has_bom_chinese_headers_and_neutralised_formulas(
    client: TestClient, operator: Any, postings: dict[str, Any]
) -> None:
    rows = _csv(client.get("/ops/export/needs.csv"))
    head = rows[0]
    assert head[:3] == ["标题", "拟解决的技术难题", "技术指标"]
    assert {"技术领域", "所在地区", "期望成熟度(1-9)", "合作方式", "有效期至", "联系人"} <= set(head)
    by_title = {r[0]: dict(zip(head, r, strict=True)) for r in rows[1:]}
    assert "'" + INJECTION in by_title  # neutralised, not a formula
    assert INJECTION not in by_title
    row = by_title["'" + INJECTION]
    assert row["合作方式"] == "转让、作价投资"
    assert row["关键词"] == "发酵、+染菌"  # the list cell starts with text, so no guard needed
    assert row["状态"] == "已发布" and row["技术领域"] == "生物与新医药"


def test_filters_by_status_and_field(client: TestClient, operator: Any, postings: dict[str, Any]) -> None:
    drafts = _csv(client.get("/ops/export/needs.csv", params={"status": "draft"}))
    assert [r[0] for r in drafts[1:]] == ["尚未发布的草稿需求"]
    materials = _csv(client.get("/ops/export/needs.csv", params={"field": "new_materials"}))
    assert [r[0] for r in materials[1:]] == ["尚未发布的草稿需求"]
    bio = _csv(client.get("/ops/export/needs.csv", params={"field": "biomedicine", "status": "published"}))
    assert [r[0] for r in bio[1:]] == ["'" + INJECTION]
    assert client.get("/ops/export/needs.csv", params={"status": "nonsense"}).status_code == 422


def test_xlsx_cells_are_strings_not_formulas(
    client: TestClient, operator: Any, postings: dict[str, Any]
) -> None:
    response = client.get("/ops/export/results.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    assert [c.value for c in sheet[1]][:2] == ["成果名称", "成果简介"]
    title = sheet["A2"]
    assert title.value == "'@成果标题以at开头" and title.data_type == "s"
    needs = load_workbook(io.BytesIO(client.get("/ops/export/needs.xlsx").content)).active
    assert needs is not None
    cells = [c for row in needs.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    assert any(c.value == "'" + INJECTION and c.data_type == "s" for c in cells)


def test_pairings_export(client: TestClient, operator: Any, postings: dict[str, Any]) -> None:
    rows = _csv(client.get("/ops/export/pairings.csv", params={"status": "signed"}))
    assert rows[0] == [
        "需求标题",
        "成果标题",
        "匹配得分",
        "状态",
        "提出方",
        "创建时间",
        "合同金额(万元)",
        "签约日期",
    ]
    assert len(rows) == 2
    need_title, result_title, score, status, proposer, _, amount, signed = rows[1]
    assert (need_title, result_title) == ("'" + INJECTION, "'@成果标题以at开头")
    assert (score, status, amount, signed) == ("83.5", "已签约", "120", "2026-10-01")
    assert proposer.startswith("平台运营")
    assert len(_csv(client.get("/ops/export/pairings.csv", params={"status": "rejected"}))) == 1


def test_non_operators_cannot_export(client: TestClient, session: Session) -> None:
    login(client, make_user(session, Role.researcher))
    for name in ("needs.csv", "results.xlsx", "pairings.csv"):
        assert client.get(f"/ops/export/{name}").status_code == 403


def test_unknown_export_is_404(client: TestClient, operator: Any) -> None:
    assert client.get("/ops/export/users.csv").status_code == 404
    assert client.get("/ops/export/needs.pdf").status_code == 404


def _fields(item: Any, base: type[Any]) -> dict[str, Any]:
    return item.model_dump(include=set(base.model_fields), warnings=False)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_reproduces_the_records(
    client: TestClient, session: Session, operator: Any, postings: dict[str, Any], fmt: str
) -> None:
    for kind, model, base in (("needs", Need, NeedBase), ("results", Result, ResultBase)):
        originals = list(session.exec(select(model).order_by(col(model.id))))
        exported = client.get(f"/ops/export/{kind}.{fmt}")
        assert exported.status_code == 200
        target = make_org(session, kind=OrgKind.platform)
        session.commit()
        report = job_report(
            client,
            api_import(
                client,
                kind=kind,
                org_id=target.id,
                policy="all_or_nothing",
                data=exported.content,
                filename=f"x.{fmt}",
            ),
        )
        assert report["invalid"] == 0, report["errors"]
        assert "编号" in report["ignored_headers"]  # extra export columns are ignored, not refused
        copies = list(
            session.exec(
                select(model).where(col(model.id).in_(report["created_ids"])).order_by(col(model.id))
            )
        )
        assert [_fields(c, base) for c in copies] == [_fields(o, base) for o in originals]
