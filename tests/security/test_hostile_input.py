"""Hostile input: over-long fields, markup, SQL-looking text, malformed and oversized bodies, bad
encodings, NUL bytes and spreadsheet formulas. Each must end in a clear 4xx (or be stored and shown
verbatim, as text), never a 500 and never executed.

Also proven elsewhere: tests/backend/test_validation.py::test_malformed_json_is_422_json,
::test_json_body_of_the_wrong_shape_is_422; tests/backend/transfer/test_export.py::
test_needs_csv_has_bom_chinese_headers_and_neutralised_formulas, ::test_xlsx_cells_are_strings_not_formulas;
tests/backend/transfer/test_import_files.py::TestRefusedFiles::test_formula_cells_are_refused;
tests/backend/test_match_pages.py (highlighted match text stays escaped).
"""

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlmodel import Session, func, select

from backend.accounts.models import User
from backend.accounts.schemas import SignUp
from backend.postings.need_model import Need, NeedCreate
from backend.postings.result_model import Result, ResultCreate
from backend.security.body_limit import DEFAULT_LIMIT, UPLOAD_LIMIT
from tests.factories import need_data, result_data
from tests.security.world import World

XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
SQLS = ("'; DROP TABLE need; --", '" OR 1=1 --')


def _too_long(schema: type[BaseModel]) -> list[tuple[str, int]]:
    """(field, max_length) of every length-limited string field of `schema`."""
    out = []
    for name, info in schema.model_fields.items():
        limit = next((m.max_length for m in info.metadata if getattr(m, "max_length", None)), None)
        if limit and info.annotation in (str, str | None):
            out.append((name, limit))
    return out


def _count(session: Session, model: Any) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


NEED_FIELDS = _too_long(NeedCreate)
RESULT_FIELDS = _too_long(ResultCreate)
ACCOUNT_FIELDS = _too_long(SignUp)


def test_every_text_field_has_a_limit() -> None:
    assert {
        "title",
        "problem",
        "indicators",
        "basis",
        "region",
        "contact_name",
        "contact_phone",
        "contact_email",
    } <= {f for f, _ in NEED_FIELDS}
    assert {"title", "summary", "advantages", "team", "contact_name"} <= {f for f, _ in RESULT_FIELDS}
    assert {"email", "password", "name", "phone", "organisation_name", "region"} <= {
        f for f, _ in ACCOUNT_FIELDS
    }


@pytest.mark.parametrize(("field", "limit"), NEED_FIELDS)
def test_over_long_need_field_is_422_and_stores_nothing(
    client: TestClient, world: World, field: str, limit: int
) -> None:
    world.sign_in(client, "enterprise")
    before = _count(world.session, Need)
    api = client.post("/api/needs", json=need_data(**{field: "长" * (limit + 1)}))
    assert api.status_code == 422 and field in {d["field"] for d in api.json()["detail"]}
    form = need_data(**{field: "长" * (limit + 1)}, keywords="发酵", csrf_token=world.csrf["enterprise"])
    form.pop("budget_negotiable")
    page = client.post("/needs/new", data=form)
    assert page.status_code == 422
    assert _count(world.session, Need) == before


@pytest.mark.parametrize(("field", "limit"), RESULT_FIELDS)
def test_over_long_result_field_is_422_and_stores_nothing(
    client: TestClient, world: World, field: str, limit: int
) -> None:
    world.sign_in(client, "researcher")
    before = _count(world.session, Result)
    response = client.post("/api/results", json=result_data(**{field: "长" * (limit + 1)}))
    assert response.status_code == 422 and field in {d["field"] for d in response.json()["detail"]}
    assert _count(world.session, Result) == before


@pytest.mark.parametrize(("field", "limit"), ACCOUNT_FIELDS)
def test_over_long_account_field_is_422_and_stores_nothing(
    client: TestClient, session: Session, field: str, limit: int
) -> None:
    body = {
        "email": "long@example.cn",
        "password": "Strong-pass1",
        "name": "长",
        "role": "enterprise",
        "organisation_name": "超长测试有限公司",
        "organisation_kind": "enterprise",
        "region": "湖北省",
        "accept_terms": True,
    }
    body[field] = (
        ("a" * (limit + 1 - len("@example.cn")) + "@example.cn") if field == "email" else "长" * (limit + 1)
    )
    before = _count(session, User)
    response = client.post("/api/auth/signup", json=body)
    assert response.status_code == 422
    assert _count(session, User) == before


def test_markup_is_shown_as_text_everywhere(client: TestClient, world: World) -> None:
    world.sign_in(client, "enterprise")
    made = client.post(
        "/api/needs?publish=true", json=need_data(title="标题" + XSS, problem="问题描述" + XSS * 2)
    )
    assert made.status_code == 201
    need_id = made.json()["id"]
    world.sign_in(client, "operator")
    client.post(f"/api/ops/reviews/need/{need_id}/approve", json={"version": made.json()["version"]})
    world.sign_in(client, "researcher")
    asked = client.post(
        "/api/pairings/interest",
        json={"need_id": need_id, "result_id": world.result.id, "message": "留言" + XSS},
    )
    assert asked.status_code == 200, asked.text
    pages = {
        "detail": ("enterprise", f"/needs/{need_id}"),
        "list": ("anonymous", "/needs"),
        "home": ("anonymous", "/"),
        "workspace": ("enterprise", "/workspace"),
        "notifications": ("enterprise", "/notifications"),
        "pairing": ("enterprise", f"/pairings/{asked.json()['id']}"),
        "review queue": ("operator", "/ops/pairings"),
    }
    for name, (role, url) in pages.items():
        world.sign_in(client, role)
        html = client.get(url).text
        assert '<script>alert("xss")' not in html and "<img src=x" not in html, name
        assert "&lt;script&gt;alert(" in html, name


@pytest.mark.parametrize("text", SQLS)
def test_sql_looking_text_is_stored_and_shown_verbatim(client: TestClient, world: World, text: str) -> None:
    world.sign_in(client, "enterprise")
    made = client.post(
        "/api/needs", json=need_data(title="需求" + text, problem="问题：" + text + "，请联系")
    )
    assert made.status_code == 201
    assert made.json()["title"] == "需求" + text
    assert client.get(f"/api/needs/{made.json()['id']}").json()["problem"] == "问题：" + text + "，请联系"
    page = client.get(f"/needs/{made.json()['id']}").text
    assert ("需求" + text).replace("'", "&#39;").replace('"', "&#34;") in page
    assert client.get("/api/needs", params={"q": text}).status_code == 200
    assert client.get("/needs", params={"q": text}).status_code == 200
    assert _count(world.session, Need) > 0  # the table is still there


def test_wrong_types_are_422(client: TestClient, world: World) -> None:
    world.sign_in(client, "enterprise")
    for body in (
        [],
        "text",
        42,
        need_data(title=123),
        need_data(trl_wanted="six"),
        need_data(keywords={"a": 1}),
    ):
        response = client.post("/api/needs", json=body)
        assert response.status_code == 422, body
        assert response.json()["error"]


@pytest.mark.parametrize(
    "body", [b'{"title": "\xff\xfe\xfd"}', b"\xc3\x28", b'{"email": "a\xed\xa0\x80@x.cn"}']
)
def test_invalid_utf8_json_is_a_clear_4xx(client: TestClient, world: World, body: bytes) -> None:
    world.sign_in(client, "enterprise")
    for url in ("/api/needs", "/api/auth/login"):
        response = client.post(url, content=body, headers={"Content-Type": "application/json"})
        assert response.status_code in (400, 422), (url, response.status_code)
        assert response.json()["error"]


def test_invalid_utf8_form_is_not_a_500(client: TestClient, world: World) -> None:
    world.sign_in(client, "enterprise")
    token = world.csrf["enterprise"].encode()
    for url in ("/needs/new", "/login"):
        body = b"csrf_token=" + token + b"&title=%FF%FE%C3%28&email=%ff%00@x.cn&password=abc"
        response = client.post(
            url, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert 400 <= response.status_code < 500, (url, response.status_code)
    raw = b"csrf_token=" + token + b"&title=\xff\xfe"
    response = client.post(
        "/needs/new", content=raw, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert 400 <= response.status_code < 500


def test_nul_bytes_are_refused(client: TestClient, world: World) -> None:
    world.sign_in(client, "enterprise")
    before = _count(world.session, Need)
    response = client.post("/api/needs", json=need_data(title="含空字符\x00的标题"))
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "title"
    assert _count(world.session, Need) == before
    assert client.get("/api/needs", params={"q": "a\x00b"}).status_code in (200, 422)
    assert client.post("/api/auth/login", json={"email": "a\x00@x.cn", "password": "x"}).status_code == 422


# --- body size -----------------------------------------------------------------------------------


def _chunks(total: int) -> Any:
    sent = 0
    while sent < total:
        yield b" " * 65536
        sent += 65536


def test_oversized_json_is_413_before_reading(client: TestClient, world: World) -> None:
    world.sign_in(client, "enterprise")
    declared = client.post(
        "/api/needs", content=b"x" * (DEFAULT_LIMIT + 1), headers={"Content-Type": "application/json"}
    )
    assert declared.status_code == 413 and "内容过大" in declared.json()["error"]
    streamed = client.post(
        "/api/needs", content=_chunks(DEFAULT_LIMIT + 65536), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413 and "上限 1 MB" in streamed.json()["error"]


def test_oversized_form_is_413_page(client: TestClient, world: World) -> None:
    world.sign_in(client, "enterprise")
    big = {"csrf_token": world.csrf["enterprise"], "problem": "长" * DEFAULT_LIMIT}
    response = client.post("/needs/new", data=big)
    assert response.status_code == 413 and "text/html" in response.headers["content-type"]
    assert "提交的内容过大" in response.text
    streamed = client.post(
        "/login",
        content=_chunks(DEFAULT_LIMIT + 65536),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert streamed.status_code == 413 and "提交的内容过大" in streamed.text


def test_import_takes_up_to_five_megabytes(access_client: TestClient, world: World) -> None:
    world.sign_in(access_client, "operator")
    form = {"kind": "needs", "organisation_id": str(world.need_pub.organisation_id)}
    headers = {"X-Requested-With": "XMLHttpRequest"}
    two_mb = {"file": ("needs.csv", b"a,b\n" * (2 * 1024 * 1024 // 4), "text/csv")}
    assert access_client.post("/api/ops/import", data=form, files=two_mb, headers=headers).status_code == 422
    six_mb = {"file": ("needs.csv", b"a" * UPLOAD_LIMIT, "text/csv")}
    response = access_client.post("/api/ops/import", data=form, files=six_mb, headers=headers)
    assert response.status_code == 413 and "上限 5 MB" in response.json()["error"]


# --- spreadsheets --------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", '@HYPERLINK("http://x")'])
def test_formula_in_a_posting_is_neutralised_in_the_operators_export(
    access_client: TestClient, world: World, payload: str
) -> None:
    world.sign_in(access_client, "enterprise")
    made = access_client.post("/api/needs", json=need_data(title="公式" + payload[:20], basis=payload))
    assert made.status_code == 201
    world.sign_in(access_client, "operator")
    rows = list(
        csv.reader(io.StringIO(access_client.get("/ops/export/needs.csv").content.decode("utf-8-sig")))
    )
    cells = [cell for row in rows for cell in row]
    assert "'" + payload in cells and payload not in cells


@pytest.mark.slow
def test_markup_in_match_cards_is_shown_as_text(client: TestClient, world: World, match_engine: Any) -> None:
    from backend.matching.lifecycle import listed_documents

    world.sign_in(client, "operator")  # operators publish at once
    need = client.post(
        "/api/needs?publish=true",
        json=need_data(
            title="发酵染菌" + XSS, problem="发酵罐批次差异大、容易染菌" + XSS + "，想提高批次稳定性。"
        ),
    ).json()
    result = client.post(
        "/api/results?publish=true",
        json=result_data(title="发酵过程控制" + XSS, summary="在线监测发酵过程，降低染菌与批次差异。" + XSS),
    ).json()
    needs, results = listed_documents(world.session)
    match_engine.sync(side="need", docs=needs)
    match_engine.sync(side="result", docs=results)
    for url in (f"/needs/{need['id']}", f"/results/{result['id']}", "/workspace"):
        html = client.get(url).text
        assert '<script>alert("xss")' not in html and "<img src=x" not in html, url
    card_page = client.get(f"/needs/{need['id']}").text
    assert f"/results/{result['id']}" in card_page  # the card really is there
    assert "发酵过程控制&lt;script&gt;" in card_page
