"""Who may change what, through the JSON API; refusals leave the database as it was."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PostingStatus, Role
from tests.factories import login, make_need, make_result, make_user, need_data, result_data


def _snapshot(session: Session, model: type[Need] | type[Result], item_id: int | None) -> dict[str, Any]:
    session.expire_all()
    row = session.get(model, item_id)
    assert row is not None
    return row.model_dump()


def _need_writes(need_id: int | None) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("PATCH", f"/api/needs/{need_id}", {"title": "被别人改了标题"}),
        ("POST", f"/api/needs/{need_id}/publish", None),
        ("POST", f"/api/needs/{need_id}/close", None),
        ("DELETE", f"/api/needs/{need_id}", None),
    ]


def _result_writes(result_id: int | None) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("PATCH", f"/api/results/{result_id}", {"title": "被别人改了标题"}),
        ("POST", f"/api/results/{result_id}/publish", None),
        ("POST", f"/api/results/{result_id}/close", None),
        ("DELETE", f"/api/results/{result_id}", None),
    ]


def test_enterprise_cannot_touch_another_enterprises_need(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    published = make_need(session, owner)
    session.commit()  # stored as if by earlier requests: a refused one rolls back only itself
    before = _snapshot(session, Need, published.id)
    login(client, make_user(session, Role.enterprise))
    for method, url, body in _need_writes(published.id):
        r = client.request(method, url, json=body)
        assert r.status_code == 403, (method, url, r.text)
        assert r.json()["error"] == "您无权修改此需求"
    assert _snapshot(session, Need, published.id) == before


def test_enterprise_cannot_publish_another_enterprises_draft(client: TestClient, session: Session) -> None:
    draft = make_need(session, make_user(session, Role.enterprise), publish=False)
    session.commit()  # stored as if by earlier requests: a refused one rolls back only itself
    before = _snapshot(session, Need, draft.id)
    login(client, make_user(session, Role.enterprise))
    r = client.post(f"/api/needs/{draft.id}/publish")
    assert r.status_code == 404
    assert r.json()["error"]
    after = _snapshot(session, Need, draft.id)
    assert after == before and after["status"] == PostingStatus.draft


def test_owner_and_colleague_can_change_their_need(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    colleague = make_user(session, Role.enterprise, organisation_id=owner.organisation_id)
    need = make_need(session, owner, publish=False)
    session.commit()  # stored as if by earlier requests: a refused one rolls back only itself
    login(client, colleague)
    r = client.patch(f"/api/needs/{need.id}", json={"title": "同事修改后的标题"})
    assert r.status_code == 200, r.text
    assert r.json()["title"] == "同事修改后的标题"
    # A colleague's 发布 submits the need for review; they may still close it while it waits.
    assert client.post(f"/api/needs/{need.id}/publish").json()["status"] == "pending"
    assert client.post(f"/api/needs/{need.id}/close").json()["status"] == "closed"
    stored = _snapshot(session, Need, need.id)
    assert (stored["title"], stored["status"]) == ("同事修改后的标题", PostingStatus.closed)


def test_owner_can_delete_their_need(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner)
    session.commit()  # stored as if by earlier requests: a refused one rolls back only itself
    login(client, owner)
    assert client.delete(f"/api/needs/{need.id}").status_code == 204
    session.expire_all()
    assert session.get(Need, need.id) is None
    assert client.get(f"/api/needs/{need.id}").status_code == 404


def test_researcher_cannot_create_needs(client: TestClient, session: Session) -> None:
    session.commit()  # stored as if by earlier requests: a refused one rolls back only itself
    login(client, make_user(session, Role.researcher))
    r = client.post("/api/needs", json=need_data())
    assert r.status_code == 403
    assert "需求" in r.json()["error"]
    assert client.get("/api/needs", params={"q": "发酵罐"}).json()["total"] == 0


def test_enterprise_cannot_create_results(client: TestClient, session: Session) -> None:
    session.commit()  # stored as if by earlier requests: a refused one rolls back only itself
    login(client, make_user(session, Role.enterprise))
    r = client.post("/api/results", json=result_data())
    assert r.status_code == 403
    assert "成果" in r.json()["error"]
    assert client.get("/api/results", params={"q": "拉曼光谱"}).json()["total"] == 0


def test_enterprise_can_create_need_and_researcher_can_create_result(
    client: TestClient, session: Session
) -> None:
    enterprise = make_user(session, Role.enterprise)
    session.commit()  # stored as if by earlier requests: a refused one rolls back only itself
    login(client, enterprise)
    r = client.post("/api/needs", json=need_data(), params={"publish": "true"})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "pending"  # waits for an operator's review
    assert r.json()["published_at"] is None
    assert r.json()["organisation_id"] == enterprise.organisation_id

    researcher = make_user(session, Role.researcher)
    login(client, researcher)
    r = client.post("/api/results", json=result_data())
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "draft"
    assert r.json()["organisation_id"] == researcher.organisation_id


def test_researcher_of_another_org_cannot_edit_result_but_colleague_can(
    client: TestClient, session: Session
) -> None:
    author = make_user(session, Role.researcher)
    result = make_result(session, author)
    session.commit()  # stored as if by earlier requests: a refused one rolls back only itself
    before = _snapshot(session, Result, result.id)

    login(client, make_user(session, Role.researcher))
    for method, url, body in _result_writes(result.id):
        r = client.request(method, url, json=body)
        assert r.status_code == 403, (method, url, r.text)
        assert r.json()["error"] == "您无权修改此成果"
    assert _snapshot(session, Result, result.id) == before

    login(client, make_user(session, Role.researcher, organisation_id=author.organisation_id))
    r = client.patch(f"/api/results/{result.id}", json={"title": "同单位同事修改的标题"})
    assert r.status_code == 200, r.text
    assert _snapshot(session, Result, result.id)["title"] == "同单位同事修改的标题"


def test_enterprise_cannot_edit_a_result(client: TestClient, session: Session) -> None:
    result = make_result(session, make_user(session, Role.researcher))
    session.commit()  # stored as if by earlier requests: a refused one rolls back only itself
    before = _snapshot(session, Result, result.id)
    login(client, make_user(session, Role.enterprise))
    assert client.patch(f"/api/results/{result.id}", json={"trl": 9}).status_code == 403
    assert _snapshot(session, Result, result.id) == before


def test_researcher_cannot_edit_a_need(client: TestClient, session: Session) -> None:
    need = make_need(session, make_user(session, Role.enterprise))
    session.commit()  # stored as if by earlier requests: a refused one rolls back only itself
    before = _snapshot(session, Need, need.id)
    login(client, make_user(session, Role.researcher))
    assert client.patch(f"/api/needs/{need.id}", json={"trl_wanted": 3}).status_code == 403
    assert _snapshot(session, Need, need.id) == before


def test_operator_can_edit_anything(client: TestClient, session: Session) -> None:
    need = make_need(session, make_user(session, Role.enterprise), publish=False, confidentiality="secret")
    result = make_result(session, make_user(session, Role.researcher), publish=False)
    session.commit()  # stored as if by earlier requests: a refused one rolls back only itself
    login(client, make_user(session, Role.operator))

    r = client.patch(f"/api/needs/{need.id}", json={"title": "运营修订的需求标题"})
    assert r.status_code == 200, r.text
    r = client.post(f"/api/needs/{need.id}/publish")
    assert r.status_code == 200 and r.json()["status"] == "published"  # operators publish at once
    # Closing another organisation's listing is a take-down: refused without a reason...
    r = client.post(f"/api/needs/{need.id}/close")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "note"
    assert _snapshot(session, Need, need.id)["status"] == PostingStatus.published
    # ...and done with one.
    r = client.post(f"/api/ops/reviews/need/{need.id}/take-down", json={"note": "信息不实"})
    assert r.status_code == 200, r.text
    r = client.patch(f"/api/results/{result.id}", json={"trl": 6})
    assert r.status_code == 200, r.text
    assert client.delete(f"/api/results/{result.id}").status_code == 204

    stored = _snapshot(session, Need, need.id)
    assert (stored["title"], stored["status"]) == ("运营修订的需求标题", PostingStatus.closed)
    session.expire_all()
    assert session.get(Result, result.id) is None


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", "/api/needs", need_data()),
        ("PATCH", "/api/needs/{need}", {"title": "匿名修改"}),
        ("POST", "/api/needs/{need}/publish", None),
        ("POST", "/api/needs/{need}/close", None),
        ("DELETE", "/api/needs/{need}", None),
        ("POST", "/api/results", result_data()),
        ("PATCH", "/api/results/{result}", {"title": "匿名修改"}),
        ("POST", "/api/results/{result}/close", None),
        ("DELETE", "/api/results/{result}", None),
        ("POST", "/api/auth/password", {"current_password": "x", "new_password": "Passw0rd!2"}),
    ],
)
def test_anonymous_writes_get_401_json(
    client: TestClient, session: Session, method: str, url: str, body: dict[str, Any] | None
) -> None:
    need = make_need(session, make_user(session, Role.enterprise))
    result = make_result(session, make_user(session, Role.researcher))
    session.commit()  # stored as if by earlier requests: a refused one rolls back only itself
    before = (_snapshot(session, Need, need.id), _snapshot(session, Result, result.id))
    r = client.request(method, url.format(need=need.id, result=result.id), json=body)
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["error"] == "请先登录"
    assert (_snapshot(session, Need, need.id), _snapshot(session, Result, result.id)) == before


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/api/needs/999999"),
        ("PATCH", "/api/needs/999999"),
        ("POST", "/api/needs/999999/publish"),
        ("POST", "/api/needs/999999/close"),
        ("DELETE", "/api/needs/999999"),
        ("GET", "/api/results/999999"),
        ("PATCH", "/api/results/999999"),
        ("POST", "/api/results/999999/close"),
        ("DELETE", "/api/results/999999"),
    ],
)
def test_missing_ids_are_404_json(client: TestClient, session: Session, method: str, url: str) -> None:
    session.commit()  # stored as if by earlier requests: a refused one rolls back only itself
    login(client, make_user(session, Role.operator))
    r = client.request(method, url, json={"title": "不存在的记录"} if method == "PATCH" else None)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/json")
    assert "不存在" in r.json()["error"]


def test_secret_need_is_404_not_403_for_outsiders(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    secret = make_need(session, owner, confidentiality="secret")
    session.commit()  # stored as if by earlier requests: a refused one rolls back only itself
    before = _snapshot(session, Need, secret.id)

    r = client.get(f"/api/needs/{secret.id}")
    assert r.status_code == 404  # anonymous
    login(client, make_user(session, Role.enterprise))
    assert client.get(f"/api/needs/{secret.id}").status_code == 404
    for method, url, body in _need_writes(secret.id):
        r = client.request(method, url, json=body)
        assert r.status_code == 404, (method, url, r.text)
        # The answer must be the same as for an id that never existed.
        assert r.json()["error"] == "需求不存在或已下架"
    assert all(item["id"] != secret.id for item in client.get("/api/needs").json()["items"])
    assert _snapshot(session, Need, secret.id) == before

    login(client, owner)
    assert client.get(f"/api/needs/{secret.id}").json()["contact_phone"] == "13871234567"


def test_desensitized_need_hides_identity_in_api_for_outsiders(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner, confidentiality="desensitized")
    body = client.get(f"/api/needs/{need.id}").json()
    assert body["title"] == need.title
    assert body["organisation_id"] is None and body["organisation_name"] is None
    assert body["contact_name"] is None and body["contact_phone"] is None and body["contact_email"] is None
    listed = next(i for i in client.get("/api/needs").json()["items"] if i["id"] == need.id)
    assert listed["organisation_name"] is None and listed["contact_phone"] is None

    session.commit()  # stored as if by earlier requests: a refused one rolls back only itself
    login(client, owner)
    body = client.get(f"/api/needs/{need.id}").json()
    assert body["organisation_id"] == owner.organisation_id and body["contact_phone"] == "13871234567"
