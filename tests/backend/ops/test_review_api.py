"""The review desk's JSON API: the queue, decisions, refusals."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.postings import needs as needs
from backend.postings import results as results
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PostingStatus, Role
from tests.backend.ops.review_kit import (
    pending_need,
    pending_result,
    status_of,
)
from tests.factories import login, make_need, make_result, make_user


def test_api_queue_and_decisions(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    older = pending_need(session, owner, ago=timedelta(hours=5), title="较早的需求")
    newer = pending_result(session, title="较新的成果")
    make_need(session, owner, title="已发布的需求")
    operator = make_user(session, Role.operator)
    session.commit()
    login(client, operator)

    body = client.get("/api/ops/reviews").json()
    assert [(i["kind"], i["id"], i["waited"]) for i in body["items"]] == [
        ("need", older.id, "等待 5 小时"),
        ("result", newer.id, "刚刚提交"),
    ]
    assert body["counts"] == {"need": 1, "result": 1, "all": 2}
    assert body["items"][0]["url"] == f"/needs/{older.id}" and body["items"][0]["confidentiality"] == "public"
    assert [i["id"] for i in client.get("/api/ops/reviews", params={"kind": "result"}).json()["items"]] == [
        newer.id
    ]

    seen = {i["id"]: {"version": i["version"]} for i in body["items"]}
    r = client.post(f"/api/ops/reviews/need/{older.id}/return", json=seen[older.id])
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "note"
    assert client.post(f"/api/ops/reviews/need/{older.id}/return").status_code == 422
    assert status_of(session, Need, older.id) == PostingStatus.pending
    r = client.post(f"/api/ops/reviews/need/{older.id}/return", json=seen[older.id] | {"note": "请补充预算"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["review_note"]) == ("returned", "请补充预算")
    assert client.post(f"/api/ops/reviews/need/{older.id}/approve", json=seen[older.id]).status_code == 409

    r = client.post(f"/api/ops/reviews/result/{newer.id}/approve", json=seen[newer.id])
    assert r.status_code == 200 and r.json()["status"] == "published" and r.json()["published_at"]
    again = client.post(f"/api/ops/reviews/result/{newer.id}/approve", json=seen[newer.id])
    assert again.status_code == 409 and "不在待审核状态" in again.json()["error"]
    back = seen[newer.id] | {"note": "x"}
    assert client.post(f"/api/ops/reviews/result/{newer.id}/return", json=back).status_code == 409

    assert client.post(f"/api/ops/reviews/need/{older.id}/take-down", json={"note": "x"}).status_code == 409
    r = client.post(f"/api/ops/reviews/result/{newer.id}/take-down", json={"note": ""})
    assert r.status_code == 422
    assert status_of(session, Result, newer.id) == PostingStatus.published
    r = client.post(f"/api/ops/reviews/result/{newer.id}/take-down", json={"note": "重复发布"})
    assert r.status_code == 200 and r.json()["status"] == "closed" and r.json()["review_note"] == "重复发布"
    assert client.get("/api/ops/reviews").json()["counts"]["all"] == 0

    assert client.post("/api/ops/reviews/need/999999/approve", json={"version": 1}).status_code == 404
    assert client.post(f"/api/ops/reviews/pairing/{older.id}/approve", json={"version": 1}).status_code == 404


def test_api_note_too_long_is_refused(client: TestClient, session: Session) -> None:
    need = pending_need(session)
    session.commit()
    login(client, make_user(session, Role.operator))
    r = client.post(f"/api/ops/reviews/need/{need.id}/return", json={"note": "长" * 501, "version": 1})
    assert r.status_code == 422 and "500" in r.json()["error"]
    assert status_of(session, Need, need.id) == PostingStatus.pending


def test_api_refuses_non_operators(client: TestClient, session: Session) -> None:
    need = pending_need(session)
    published = make_result(session, make_user(session, Role.researcher))
    session.commit()
    calls = [
        (f"/api/ops/reviews/need/{need.id}/approve", {"version": need.version}),
        (f"/api/ops/reviews/need/{need.id}/return", {"note": "不行", "version": need.version}),
        (f"/api/ops/reviews/result/{published.id}/take-down", {"note": "不行"}),
    ]
    for url, body in calls:
        assert client.post(url, json=body).status_code == 401
    for role in (Role.enterprise, Role.researcher):
        login(client, make_user(session, role))
        for url, body in calls:
            r = client.post(url, json=body)
            assert r.status_code == 403 and r.json()["error"], url
    assert status_of(session, Need, need.id) == PostingStatus.pending
    assert status_of(session, Result, published.id) == PostingStatus.published
