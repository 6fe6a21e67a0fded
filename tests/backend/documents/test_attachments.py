"""Attachments through the JSON API: types by their bytes, limits, owners, visibility, no orphans."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.documents import files, storage
from backend.documents.models import Attachment
from backend.pairings import service as pairings
from backend.postings import results
from backend.vocab import Role
from tests.backend.documents.kit import ELF, EXE, JPEG, PDF, PNG, POLYGLOT, approve, stored_files, upload
from tests.factories import login, make_need, make_result, make_user


def _rows(session: Session) -> list[Attachment]:
    return list(session.exec(select(Attachment)).all())


def test_a_result_takes_pdf_png_and_jpeg_judged_by_the_bytes(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.researcher)
    result = make_result(session, owner)
    session.commit()
    login(client, owner)
    for data, name, content_type, shown in (
        (PDF, "专利证书.pdf", "application/pdf", "专利证书.pdf"),
        (PNG, "样机照片", "image/png", "样机照片.png"),  # the bytes name the type
        (JPEG, "现场.JPEG", "image/jpeg", "现场.JPEG"),
    ):
        response = upload(client, result, data, name)
        assert response.status_code == 201, response.text
        body = response.json()
        assert (body["content_type"], body["filename"], body["size"]) == (content_type, shown, len(data))
    assert len(stored_files()) == 3
    listed = client.get(f"/api/results/{result.id}/attachments").json()
    assert [a["filename"] for a in listed] == ["专利证书.pdf", "样机照片.png", "现场.JPEG"]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"hello, not a pdf", "报告.pdf", "文件内容不是 PDF、PNG 或 JPEG"),
        (PNG, "样机照片.jpg", "文件名为 .jpg，但文件内容是 PNG 图片"),
        (PDF, "报告.exe", "文件名为 .exe，但文件内容是 PDF"),
        (EXE, "专利.pdf", "该文件是可执行程序，不能上传"),
        (ELF, "专利.pdf", "该文件是可执行程序，不能上传"),
        (POLYGLOT, "专利.pdf", "该 PDF 文件内含可执行程序"),
        (b"", "空.pdf", "文件是空的"),
        (PDF, "../../etc/passwd.pdf", "文件名不能包含路径"),
        (PDF, "a\\b.pdf", "文件名不能包含路径"),
        (PDF, "报告\x1b[31m.pdf", "文件名不能包含控制字符"),
        (PDF, "报告\u202e fdp.exe", "文件名不能包含控制字符"),
        (b"%PDF-1.4\n" + b"0" * files.MAX_BYTES, "大.pdf", "文件过大：每个文件不超过 10 MB"),
    ],
)
def test_bad_files_are_refused_in_chinese_and_nothing_is_stored(
    client: TestClient, session: Session, data: bytes, name: str, message: str
) -> None:
    owner = make_user(session, Role.researcher)
    result = make_result(session, owner)
    session.commit()
    login(client, owner)
    response = upload(client, result, data, name)
    assert response.status_code == 422, response.text
    assert message in response.json()["error"]
    assert _rows(session) == [] and stored_files() == []


def test_a_need_sheet_is_pdf_only(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner)
    session.commit()
    login(client, owner)
    assert "文件内容不是 PDF" in upload(client, need, PNG, "说明书.png").json()["error"]
    assert upload(client, need, PDF, "需求说明书.pdf").status_code == 201


def test_a_sixth_file_is_refused(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.researcher)
    result = make_result(session, owner)
    session.commit()
    login(client, owner)
    for i in range(files.MAX_FILES):
        assert upload(client, result, PDF, f"附件{i}.pdf").status_code == 201
    response = upload(client, result, PDF, "第六个.pdf")
    assert response.status_code == 422
    assert "每条成果最多 5 个附件" in response.json()["error"]
    assert len(_rows(session)) == 5 and len(stored_files()) == 5


def test_only_the_owner_organisation_and_operators_upload_or_delete(
    client: TestClient, session: Session
) -> None:
    owner = make_user(session, Role.researcher)
    other = make_user(session, Role.researcher)
    enterprise = make_user(session, Role.enterprise)
    operator = make_user(session, Role.operator)
    result = make_result(session, owner)
    session.commit()
    for outsider in (other, enterprise):
        login(client, outsider)
        response = upload(client, result, PDF)
        assert response.status_code == 403
        assert "只有发布该成果的单位和平台运营可以上传附件" in response.json()["error"]
    assert _rows(session) == [] and stored_files() == []
    login(client, operator)
    attachment_id = upload(client, result, PDF).json()["id"]
    login(client, other)
    assert client.delete(f"/api/attachments/{attachment_id}").status_code == 403
    assert len(stored_files()) == 1
    login(client, owner)
    assert client.delete(f"/api/attachments/{attachment_id}").status_code == 204
    assert _rows(session) == [] and stored_files() == []
    client.cookies.clear()
    assert upload(client, result, PDF).status_code == 401


def test_download_has_safe_headers(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.researcher)
    result = make_result(session, owner)
    session.commit()
    login(client, owner)
    url = upload(client, result, PDF, "发明专利 证书(2023).pdf").json()["url"]
    client.cookies.clear()
    response = client.get(url)
    assert response.status_code == 200 and response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-type-options"] == "nosniff"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert (
        "filename*=UTF-8''%E5%8F%91%E6%98%8E%E4%B8%93%E5%88%A9%20%E8%AF%81%E4%B9%A6%282023%29.pdf"
        in disposition
    )
    stored = _rows(session)[0].stored_name
    assert "发明" not in stored and stored.endswith(".pdf") and len(stored) == 36


def test_secret_need_sheet_follows_the_need(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    researcher = make_user(session, Role.researcher)
    stranger = make_user(session, Role.researcher)
    need = make_need(session, owner, confidentiality="secret")
    result = make_result(session, researcher)
    pairing = pairings.propose(
        session=session,
        need=need,
        result=result,
        by=make_user(session, Role.operator),
        score=70.0,
        explanation={},
    )
    session.commit()
    login(client, owner)
    url = upload(client, need, PDF, "保密说明书.pdf").json()["url"]
    for viewer in (None, stranger, researcher):  # the researcher's pairing is not approved yet
        client.cookies.clear()
        if viewer:
            login(client, viewer)
        assert client.get(url).status_code == 404
        assert client.get(f"/api/needs/{need.id}/attachments").status_code == 404
    approve(session, pairing)
    login(client, researcher)
    assert client.get(url).content == PDF


def test_parties_only_file_is_shown_after_approval(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.researcher)
    enterprise = make_user(session, Role.enterprise)
    outsider = make_user(session, Role.enterprise)
    result = make_result(session, owner)
    need = make_need(session, enterprise)
    pairing = pairings.propose(
        session=session, need=need, result=result, by=enterprise, score=70.0, explanation={}
    )
    session.commit()
    login(client, owner)
    body = upload(client, result, PDF, "完整专利文本.pdf", parties_only=True).json()
    assert body["parties_only"] is True
    for viewer in (outsider, enterprise):
        login(client, viewer)
        assert client.get(body["url"]).status_code == 404
        assert client.get(f"/api/results/{result.id}/attachments").json() == []
    approve(session, pairing)
    login(client, enterprise)
    assert client.get(body["url"]).content == PDF
    assert len(client.get(f"/api/results/{result.id}/attachments").json()) == 1
    login(client, outsider)
    assert client.get(body["url"]).status_code == 404


def test_no_file_is_left_when_the_database_write_fails(
    client: TestClient, session: Session, monkeypatch: Any
) -> None:
    owner = make_user(session, Role.researcher)
    result = make_result(session, owner)
    session.commit()
    login(client, owner)

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr("backend.documents.service.record", broken)
    with TestClient(client.app, raise_server_exceptions=False, cookies=client.cookies) as c:
        assert upload(c, result, PDF).status_code == 500
    assert stored_files() == []


def test_a_deleted_posting_takes_its_files(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.researcher)
    result = make_result(session, owner, publish=False)
    session.commit()
    login(client, owner)
    assert upload(client, result, PDF).status_code == 201
    assert len(stored_files()) == 1
    results.delete(session=session, result=result, user=owner)
    session.commit()
    assert _rows(session) == [] and stored_files() == []


def test_a_missing_file_on_disk_is_a_clear_404(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.researcher)
    result = make_result(session, owner)
    session.commit()
    login(client, owner)
    url = upload(client, result, PDF).json()["url"]
    storage.remove(_rows(session)[0].stored_name)
    response = client.get(url)
    assert response.status_code == 404 and "附件文件已丢失" in response.text
