"""Bad input gets a 422 with Chinese messages tied to fields; a refused edit changes nothing."""

import re
from datetime import timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session

from backend.db import utcnow
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import Role
from tests.factories import login, make_need, make_result, make_user, need_data, result_data

_CJK = re.compile(r"[\u4e00-\u9fff]")


def _invalid(response: Response) -> list[dict[str, str]]:
    """The field errors of a 422 answer, after checking its shape and language."""
    assert response.status_code == 422, response.text
    assert "Traceback" not in response.text
    body = response.json()
    assert set(body) == {"error", "detail"}
    assert _CJK.search(body["error"])
    assert isinstance(body["detail"], list) and body["detail"]
    for item in body["detail"]:
        assert set(item) == {"field", "label", "message"}
        assert _CJK.search(item["message"]), item
        assert _CJK.search(item["label"]), item
    return body["detail"]  # type: ignore[no-any-return]


def _messages(detail: list[dict[str, str]], field: str) -> list[str]:
    return [d["message"] for d in detail if d["field"] == field]


@pytest.fixture
def enterprise(client: TestClient, session: Session) -> Any:
    user = make_user(session, Role.enterprise)
    session.commit()
    login(client, user)
    return user


@pytest.fixture
def researcher(client: TestClient, session: Session) -> Any:
    user = make_user(session, Role.researcher)
    session.commit()
    login(client, user)
    return user


def _need_count(session: Session) -> int:
    session.expire_all()
    return len(session.exec(Need.__table__.select()).all())  # type: ignore[attr-defined]


# --- creating a need ----------------------------------------------------------------------------

NEED_REQUIRED = {
    "title": "标题",
    "problem": "拟解决的技术难题",
    "field": "技术领域",
    "region": "所在地区",
    "trl_wanted": "期望成熟度",
    "modes": "合作方式",
    "valid_until": "有效期至",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
}


@pytest.mark.parametrize("field", sorted(NEED_REQUIRED))
def test_need_required_field_missing(
    client: TestClient, session: Session, enterprise: Any, field: str
) -> None:
    data = need_data()
    del data[field]
    detail = _invalid(client.post("/api/needs", json=data))
    assert {"field": field, "label": NEED_REQUIRED[field], "message": "此项为必填项"} in detail
    assert _need_count(session) == 0


@pytest.mark.parametrize("field", ["title", "problem", "contact_name", "contact_phone"])
def test_need_required_text_blank(client: TestClient, enterprise: Any, field: str) -> None:
    detail = _invalid(client.post("/api/needs", json=need_data(**{field: "   "})))
    assert _messages(detail, field)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": "题" * 81}, "title", "不能超过 80 个字"),
        ({"problem": "难" * 4001}, "problem", "不能超过 4000 个字"),
        ({"problem": "太短了"}, "problem", "至少填写 10 个字"),
        ({"keywords": [f"词{i}" for i in range(9)]}, "keywords", "关键词最多 8 个"),
        ({"keywords": "发酵、染菌、" + "长" * 21}, "keywords", "每个关键词不超过 20 个字"),
        ({"region": "武汉"}, "region", "请选择省级行政区，如“湖北省”"),
        ({"region": "California"}, "region", "请选择省级行政区，如“湖北省”"),
        ({"budget_min": 200, "budget_max": 100}, "budget_max", "预算下限不能高于上限"),
        (
            {"budget_min": None, "budget_max": None, "budget_negotiable": False},
            "budget_max",
            "请填写金额（万元），或选择“面议”",
        ),
        ({"budget_min": -5}, "budget_min", "不能小于 0"),
        ({"budget_max": "很多"}, "budget_max", "请填写数字"),
        ({"trl_wanted": 0}, "trl_wanted", "不能小于 1"),
        ({"trl_wanted": 10}, "trl_wanted", "不能大于 9"),
        ({"trl_wanted": "abc"}, "trl_wanted", "请填写整数"),
        ({"modes": []}, "modes", "请至少选择一项"),
        ({"modes": ["barter"]}, "modes", "请从列表中选择"),
        ({"field": "quantum_magic"}, "field", "请从列表中选择"),
        ({"confidentiality": "top_secret"}, "confidentiality", "请从列表中选择"),
        ({"valid_until": "明年"}, "valid_until", "请填写有效日期，如 2027-06-30"),
        ({"title": 12345}, "title", "类型不正确"),
    ],
)
def test_need_invalid_values(
    client: TestClient, session: Session, enterprise: Any, overrides: dict[str, Any], field: str, message: str
) -> None:
    detail = _invalid(client.post("/api/needs", json=need_data(**overrides)))
    assert message in _messages(detail, field), detail
    assert _need_count(session) == 0


def test_need_budget_negotiable_without_amount_is_accepted(client: TestClient, enterprise: Any) -> None:
    r = client.post("/api/needs", json=need_data(budget_min=None, budget_max=None, budget_negotiable=True))
    assert r.status_code == 201, r.text
    assert r.json()["budget_negotiable"] is True


@pytest.mark.parametrize("days", [0, -1, -365])
def test_need_valid_until_must_be_in_the_future(
    client: TestClient, session: Session, enterprise: Any, days: int
) -> None:
    past = (utcnow() + timedelta(days=days)).date().isoformat()
    detail = _invalid(client.post("/api/needs", json=need_data(valid_until=past)))
    assert detail == [{"field": "valid_until", "label": "有效期至", "message": "须晚于今天"}]
    assert _need_count(session) == 0


@pytest.mark.parametrize("body", ['{"title": "发酵罐", ', "not json at all", '{"title": "x"}}'])
def test_malformed_json_is_422_json(client: TestClient, enterprise: Any, body: str) -> None:
    r = client.post("/api/needs", content=body, headers={"content-type": "application/json"})
    detail = _invalid(r)
    assert detail[0]["message"] == "请求体不是合法的 JSON"


def test_json_body_of_the_wrong_shape_is_422(client: TestClient, enterprise: Any) -> None:
    _invalid(client.post("/api/needs", json=["不是对象"]))


# --- creating a result --------------------------------------------------------------------------

RESULT_REQUIRED = {
    "title": "标题",
    "summary": "成果简介",
    "field": "技术领域",
    "team": "完成单位 / 完成人",
    "form": "成果形式",
    "trl": "技术成熟度",
    "modes": "合作方式",
    "region": "所在地区",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
}


@pytest.mark.parametrize("field", sorted(RESULT_REQUIRED))
def test_result_required_field_missing(client: TestClient, researcher: Any, field: str) -> None:
    data = result_data()
    del data[field]
    detail = _invalid(client.post("/api/results", json=data))
    assert {"field": field, "label": RESULT_REQUIRED[field], "message": "此项为必填项"} in detail


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": "成" * 81}, "title", "不能超过 80 个字"),
        ({"summary": "简介太短，不到二十个字。"}, "summary", "至少填写 20 个字"),
        ({"trl": 0}, "trl", "不能小于 1"),
        ({"trl": 10}, "trl", "不能大于 9"),
        ({"form": "poem"}, "form", "请从列表中选择"),
        ({"region": "华中"}, "region", "请选择省级行政区，如“湖北省”"),
        ({"price": None, "price_negotiable": False}, "price", "请填写金额（万元），或选择“面议”"),
        ({"patent_numbers": [f"CN1162845{i:02d}A" for i in range(11)]}, "patent_numbers", "专利号最多 10 个"),
        ({"keywords": [f"词{i}" for i in range(9)]}, "keywords", "关键词最多 8 个"),
    ],
)
def test_result_invalid_values(
    client: TestClient, researcher: Any, overrides: dict[str, Any], field: str, message: str
) -> None:
    detail = _invalid(client.post("/api/results", json=result_data(**overrides)))
    assert message in _messages(detail, field), detail


# --- editing: a refused edit writes nothing -----------------------------------------------------


def _stored(session: Session, need_id: int | None) -> dict[str, Any]:
    session.expire_all()
    need = session.get(Need, need_id)
    assert need is not None
    return need.model_dump()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "题" * 81}, "title"),
        ({"title": None}, "title"),
        ({"title": "合法的新标题", "budget_min": 500}, "budget_max"),  # above the stored maximum
        ({"budget_max": 10}, "budget_max"),  # below the stored minimum
        ({"budget_min": None, "budget_max": None}, "budget_max"),  # neither amount nor 面议
        ({"trl_wanted": 0}, "trl_wanted"),
        ({"trl_wanted": "abc"}, "trl_wanted"),
        ({"region": "武汉市"}, "region"),
        ({"modes": []}, "modes"),
        ({"field": "alchemy"}, "field"),
        ({"keywords": [f"k{i}" for i in range(9)]}, "keywords"),
        ({"contact_phone": "123"}, "contact_phone"),
        ({"valid_until": "2000-01-01"}, "valid_until"),
    ],
)
def test_invalid_need_edit_leaves_record_unchanged(
    client: TestClient, session: Session, changes: dict[str, Any], field: str
) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner)
    session.commit()
    login(client, owner)
    before = _stored(session, need.id)

    detail = _invalid(client.patch(f"/api/needs/{need.id}", json=changes))
    assert _messages(detail, field), detail
    assert _stored(session, need.id) == before
    assert client.get(f"/api/needs/{need.id}").json()["title"] == before["title"]


def test_malformed_json_edit_leaves_record_unchanged(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner)
    session.commit()
    login(client, owner)
    before = _stored(session, need.id)
    r = client.patch(
        f"/api/needs/{need.id}", content='{"title": ', headers={"content-type": "application/json"}
    )
    _invalid(r)
    assert _stored(session, need.id) == before


def test_valid_edit_is_stored_cleaned(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner)
    session.commit()
    login(client, owner)
    r = client.patch(f"/api/needs/{need.id}", json={"title": "  新的标题  ", "budget_max": 300})
    assert r.status_code == 200, r.text
    stored = _stored(session, need.id)
    assert stored["title"] == "新的标题"
    assert (stored["budget_min"], stored["budget_max"]) == (50, 300)


def test_invalid_result_edit_leaves_record_unchanged(client: TestClient, session: Session) -> None:
    author = make_user(session, Role.researcher)
    result = make_result(session, author)
    session.commit()
    login(client, author)
    session.expire_all()
    before = session.get(Result, result.id).model_dump()  # type: ignore[union-attr]
    detail = _invalid(client.patch(f"/api/results/{result.id}", json={"summary": "太短", "trl": 7}))
    assert _messages(detail, "summary")
    session.expire_all()
    assert session.get(Result, result.id).model_dump() == before  # type: ignore[union-attr]


# --- error pages --------------------------------------------------------------------------------


def test_unknown_page_is_a_chinese_404_page(client: TestClient) -> None:
    r = client.get("/no-such-page")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    soup = BeautifulSoup(r.text, "html.parser")
    assert "页面不存在" in soup.get_text()
    assert soup.find("html")["lang"] == "zh-CN"  # type: ignore[index]
    assert "Traceback" not in r.text


def test_unknown_api_path_is_404_json(client: TestClient) -> None:
    r = client.get("/api/no-such")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["error"]
    assert "Traceback" not in r.text


def test_wrong_method_on_api_is_json(client: TestClient) -> None:
    r = client.put("/api/needs")
    assert r.status_code == 405
    assert _CJK.search(r.json()["error"])
