"""The 附件 section of posting pages: listed with size and type, uploaded and removed by the owners."""

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.documents.models import Attachment
from backend.vocab import Role
from tests.backend.documents.kit import EXE, PDF, PNG, stored_files
from tests.factories import login, make_need, make_result, make_user


def _page(client: TestClient, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200
    return BeautifulSoup(response.text, "html.parser")


def _csrf(page: BeautifulSoup) -> str:
    token = page.select_one("#attachments input[name=csrf_token]")
    assert token is not None
    return str(token["value"])


def _post_file(
    client: TestClient, url: str, name: str, data: bytes, extra: dict[str, str] | None = None
) -> str:
    """Upload through the page's form; the flash shown on the page it lands on."""
    page = _page(client, url)
    form = page.select_one("#attachments form.upload-form")
    assert form is not None
    response = client.post(
        str(form["action"]),
        data={"csrf_token": _csrf(page)} | (extra or {}),
        files={"file": (name, data, "application/octet-stream")},
    )
    assert response.status_code == 200
    flash = BeautifulSoup(response.text, "html.parser").select_one("#attachments .flash")
    return flash.get_text(strip=True) if flash else ""


def test_owner_uploads_sees_size_and_type_and_deletes(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.researcher)
    result = make_result(session, owner)
    session.commit()
    login(client, owner)
    url = f"/results/{result.id}"
    assert _post_file(client, url, "样机照片.png", PNG) == "已上传附件“样机照片.png”"
    items = [li.get_text(" ", strip=True) for li in _page(client, url).select("#attachments li")]
    assert (
        len(items) == 1
        and "样机照片.png" in items[0]
        and "PNG 图片" in items[0]
        and f"{len(PNG)} B" in items[0]
    )
    page = _page(client, url)
    delete = page.select_one("#attachments li form")
    assert delete is not None
    response = client.post(str(delete["action"]), data={"csrf_token": _csrf(page)})
    assert "已删除附件“样机照片.png”" in response.text
    assert session.exec(select(Attachment)).first() is None and stored_files() == []


def test_bad_upload_shows_the_reason_and_stores_nothing(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner)
    session.commit()
    login(client, owner)
    url = f"/needs/{need.id}"
    assert _post_file(client, url, "说明书.pdf", EXE) == "上传失败：该文件是可执行程序，不能上传"
    assert "上传失败：文件名不能包含路径" in _post_file(client, url, "../说明书.pdf", PDF)
    assert session.exec(select(Attachment)).first() is None and stored_files() == []


def test_outsiders_see_no_upload_form_and_cannot_post(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.researcher)
    other = make_user(session, Role.researcher)
    result = make_result(session, owner)
    session.commit()
    login(client, other)
    page = _page(client, f"/results/{result.id}")
    assert page.select_one("#attachments") is None  # no files yet, nothing to manage
    token = page.select_one("input[name=csrf_token]")
    assert token is not None
    response = client.post(
        f"/results/{result.id}/attachments",
        data={"csrf_token": str(token["value"])},
        files={"file": ("x.pdf", PDF, "application/pdf")},
    )
    assert response.status_code == 403
    assert "只有发布该成果的单位和平台运营可以上传附件" in response.text
    assert stored_files() == []


def test_desensitized_need_warns_the_owner_that_its_sheet_is_seen_like_its_text(
    client: TestClient, session: Session
) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner, confidentiality="desensitized")
    session.commit()
    login(client, owner)
    page = _page(client, f"/needs/{need.id}")
    assert page.select_one("#attachments h2").get_text() == "需求说明书"
    assert "请勿在文件中出现单位名称" in page.select_one("#attachments").get_text()
