"""订阅: what may be subscribed to, and nothing stored when it is wrong."""

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.follow.models import Subscription
from backend.vocab import Role
from tests.factories import login, make_need, make_result, make_user


def _stored(session: Session) -> list[Subscription]:
    return list(session.exec(select(Subscription)).all())


def _csrf(client: TestClient) -> str:
    field = BeautifulSoup(client.get("/subscriptions").text, "html.parser").select_one(
        "input[name=csrf_token]"
    )
    assert field is not None
    return str(field["value"])


def test_subscribe_on_the_page_then_see_and_remove_it_in_the_workspace(
    client: TestClient, session: Session
) -> None:
    login(client, make_user(session, Role.enterprise))
    form = {"side": "result", "field": "new_materials", "region": "湖北省", "query": "", "min_band": "good"}
    saved = client.post("/subscriptions", data=form | {"csrf_token": _csrf(client)}, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/subscriptions"
    [sub] = _stored(session)
    assert (sub.side, sub.field, sub.region, sub.user_id is not None) == (
        "result",
        "new_materials",
        "湖北省",
        True,
    )
    workspace = BeautifulSoup(client.get("/workspace").text, "html.parser")
    section = workspace.select_one("#subscriptions")
    assert section is not None and "新成果 · 领域：新材料 · 地区：湖北省" in section.text
    removed = client.post(
        f"/subscriptions/{sub.id}/delete",
        data={"csrf_token": _csrf(client), "next": "/workspace"},
        follow_redirects=False,
    )
    assert removed.status_code == 303 and removed.headers["location"] == "/workspace"
    assert _stored(session) == []


def test_subscribing_with_nothing_chosen_is_refused_and_nothing_is_stored(
    client: TestClient, session: Session
) -> None:
    login(client, make_user(session, Role.researcher))
    page = client.post(
        "/subscriptions",
        data={
            "side": "need",
            "field": "",
            "region": "",
            "query": "  ",
            "min_band": "good",
            "csrf_token": _csrf(client),
        },
    )
    assert page.status_code == 422
    assert (
        "请至少选择技术领域、地区或填写关键词之一"
        in BeautifulSoup(page.text, "html.parser").select_one(".form-errors").text
    )  # type: ignore[union-attr]
    api = client.post("/api/subscriptions", json={"side": "need"})
    assert api.status_code == 422 and "请至少选择技术领域、地区或填写关键词之一" in api.json()["error"]
    assert _stored(session) == []


def test_other_bad_subscriptions_each_get_a_chinese_error(client: TestClient, session: Session) -> None:
    enterprise = make_user(session, Role.enterprise)
    others = make_need(session, make_user(session, Role.enterprise))
    draft = make_need(session, enterprise, publish=False)
    researcher_result = make_result(session, make_user(session, Role.researcher))
    login(client, enterprise)
    cases = [
        ({"field": "rocket_science"}, "请从列表中选择技术领域"),
        ({"region": "火星"}, "请选择省级行政区"),
        ({"query": "发酵", "min_band": "none"}, "请选择匹配强度"),
        ({"query": "发" * 101}, "关键词不超过 100 个字"),
        ({"own_side": "need", "own_id": others.id}, "只能订阅本单位已发布的需求或成果"),
        ({"own_side": "need", "own_id": draft.id}, "只能订阅本单位已发布的需求或成果"),
        ({"own_side": "result", "own_id": researcher_result.id}, "只能订阅本单位已发布的需求或成果"),
        ({"field": "biomedicine", "side": "pairing"}, "请选择订阅新需求还是新成果"),
    ]
    for body, message in cases:
        response = client.post("/api/subscriptions", json=body)
        assert response.status_code == 422, (body, response.text)
        assert message in response.json()["error"], (body, response.json())
    assert _stored(session) == []
    assert others.title not in client.post("/api/subscriptions", json=cases[4][0]).text


def test_own_need_subscription_and_duplicates(client: TestClient, session: Session) -> None:
    enterprise = make_user(session, Role.enterprise)
    need = make_need(session, enterprise, title="本单位需求：发酵罐染菌")
    login(client, enterprise)
    made = client.post(
        "/api/subscriptions", json={"own_side": "need", "own_id": need.id, "min_band": "strong"}
    )
    assert made.status_code == 201, made.text
    assert made.json()["side"] == "result" and made.json()["strength"] == "强匹配及以上"
    assert "与本单位需求“本单位需求：发酵罐染菌”匹配的新成果" in made.json()["description"]
    again = client.post(
        "/api/subscriptions", json={"own_side": "need", "own_id": need.id, "min_band": "strong"}
    )
    assert again.status_code == 409 and "已有相同的订阅" in again.json()["error"]
    with_text = client.post(
        "/api/subscriptions", json={"own_side": "need", "own_id": need.id, "query": "发酵"}
    )
    assert with_text.status_code == 422
    assert len(_stored(session)) == 1
    listed = client.get("/api/subscriptions").json()
    assert [s["id"] for s in listed] == [made.json()["id"]]
    assert client.delete(f"/api/subscriptions/{made.json()['id']}").status_code == 204
    assert client.delete(f"/api/subscriptions/{made.json()['id']}").status_code == 404


def test_another_users_subscription_cannot_be_deleted(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    login(client, owner)
    sub_id = client.post("/api/subscriptions", json={"field": "biomedicine"}).json()["id"]
    login(client, make_user(session, Role.enterprise))
    assert client.delete(f"/api/subscriptions/{sub_id}").status_code == 404
    assert len(_stored(session)) == 1
