"""收藏: any posting the user may see; hidden ones are refused, and never named once hidden."""

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.follow import bookmarks
from backend.follow.models import Bookmark
from backend.vocab import Confidentiality, Role
from tests.factories import login, make_need, make_result, make_user

SECRET_TITLE = "保密课题：叶片内部缺陷检测QX91"


def _stored(session: Session) -> list[Bookmark]:
    return list(session.exec(select(Bookmark)).all())


def test_bookmark_from_the_detail_page_and_see_it_listed_and_in_the_workspace(
    client: TestClient, session: Session
) -> None:
    researcher = make_user(session, Role.researcher)
    need = make_need(session, make_user(session, Role.enterprise), title="发酵罐批次差异大、容易染菌")
    login(client, researcher)
    page = BeautifulSoup(client.get(f"/needs/{need.id}").text, "html.parser")
    form = page.select_one("form.bookmark-form")
    assert form is not None and form["action"] == "/bookmarks"
    data = {i["name"]: i.get("value", "") for i in form.select("input")}
    done = client.post("/bookmarks", data=data, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/needs/{need.id}"
    again = BeautifulSoup(client.get(f"/needs/{need.id}").text, "html.parser")
    assert again.select_one("form.bookmark-form")["action"] == "/bookmarks/remove"  # type: ignore[index]
    assert "已收藏" in again.select_one("button.bookmark-button").text  # type: ignore[union-attr]
    listed = BeautifulSoup(client.get("/bookmarks").text, "html.parser")
    assert [a.text for a in listed.select(".bookmark-list a")] == [need.title]
    workspace = BeautifulSoup(client.get("/workspace").text, "html.parser")
    assert need.title in workspace.select_one("#bookmarks").text  # type: ignore[union-attr]


def test_api_add_list_remove(client: TestClient, session: Session) -> None:
    enterprise = make_user(session, Role.enterprise)
    result = make_result(session, make_user(session, Role.researcher))
    login(client, enterprise)
    added = client.post("/api/bookmarks", json={"side": "result", "posting_id": result.id})
    assert added.status_code == 201
    assert [i["posting_id"] for i in added.json()["items"]] == [result.id]
    twice = client.post("/api/bookmarks", json={"side": "result", "posting_id": result.id})
    assert twice.status_code == 201 and len(_stored(session)) == 1
    assert client.get("/api/bookmarks").json()["items"][0]["title"] == result.title
    assert client.delete(f"/api/bookmarks/result/{result.id}").status_code == 204
    assert client.get("/api/bookmarks").json() == {"items": [], "hidden": 0}
    gone = client.delete(f"/api/bookmarks/result/{result.id}")
    assert gone.status_code == 404 and gone.json()["error"]


def test_a_hidden_posting_cannot_be_bookmarked_and_nothing_is_stored(
    client: TestClient, session: Session
) -> None:
    owner = make_user(session, Role.enterprise)
    secret = make_need(session, owner, title=SECRET_TITLE, confidentiality="secret")
    draft = make_result(session, make_user(session, Role.researcher), publish=False)
    login(client, make_user(session, Role.researcher))
    for side, posting_id in (("need", secret.id), ("result", draft.id), ("need", 10**9)):
        refused = client.post("/api/bookmarks", json={"side": side, "posting_id": posting_id})
        assert refused.status_code == 404, refused.text
        assert "不存在或已下架" in refused.json()["error"] and SECRET_TITLE not in refused.text
    page = client.post(
        "/bookmarks",
        data={"side": "need", "posting_id": secret.id, "csrf_token": _csrf(client)},
        follow_redirects=False,
    )
    assert page.status_code == 404 and "不存在或已下架" in page.text and SECRET_TITLE not in page.text
    bad_side = client.post("/api/bookmarks", json={"side": "pairing", "posting_id": secret.id})
    assert bad_side.status_code == 422 and "请选择需求或成果" in bad_side.json()["error"]
    assert _stored(session) == []


def _csrf(client: TestClient) -> str:
    page = BeautifulSoup(client.get("/bookmarks").text, "html.parser")
    field = page.select_one("input[name=csrf_token]")
    assert field is not None, "the bookmarks page has a form with the csrf token"
    return str(field["value"])


def test_a_bookmark_of_a_posting_made_secret_is_not_shown_nor_named(
    client: TestClient, session: Session
) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner, title=SECRET_TITLE)
    reader = make_user(session, Role.researcher)
    bookmarks.add(session=session, user=reader, side="need", posting_id=need.id or 0)
    need.confidentiality = Confidentiality.secret  # made 保密 after it was bookmarked
    session.add(need)
    session.flush()
    login(client, reader)
    for url in ("/bookmarks", "/workspace", "/api/bookmarks"):
        assert SECRET_TITLE not in client.get(url).text, url
    assert client.get("/api/bookmarks").json() == {"items": [], "hidden": 1}
    assert "另有 1 条收藏" in client.get("/bookmarks").text
    cleaned = client.post(
        "/bookmarks/forget-hidden", data={"csrf_token": _csrf(client)}, follow_redirects=False
    )
    assert cleaned.status_code == 303 and _stored(session) == []
