"""The import page: a new organisation, progress and report, file errors."""

from typing import Any

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.accounts.models import Organisation, User
from backend.postings.need_model import Need
from backend.transfer.models import ImportJob
from backend.vocab import OrgKind
from tests.backend.transfer.kit import BAD, GOOD_TITLE, INJECTION, count, csv_bytes, headers, mixed_needs


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
