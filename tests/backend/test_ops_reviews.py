"""The posting review desk: the queue, approve / return / take-down by page and API, who is told."""

from datetime import timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.audit.models import AuditEntry
from backend.audit.service import history
from backend.db import utcnow
from backend.notifications.models import Notification
from backend.ops.reviews import waited_label
from backend.postings import needs as needs
from backend.postings import results as results
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PostingStatus, Role
from tests.factories import login, make_need, make_result, make_user

QUEUE = "/ops/reviews"


def soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def csrf(client: TestClient) -> str:
    token = soup(client.get("/needs")).select_one("input[name=csrf_token]")
    assert token is not None
    return str(token["value"])


def flash(response: Any, kind: str) -> str:
    box = soup(response).select_one(f".flash-{kind}")
    assert box is not None, response.text[:2000]
    return box.get_text(strip=True)


def pending_need(
    session: Session, owner: User | None = None, ago: timedelta | None = None, **fields: Any
) -> Need:
    """A need its owner has submitted for review (optionally `ago`)."""
    owner = owner or make_user(session, Role.enterprise)
    need = make_need(session, owner, publish=False, **fields)
    needs.publish(session=session, need=need, user=owner)
    if ago is not None:
        _submitted(session, "need", need.id, ago)
    return need


def pending_result(
    session: Session, owner: User | None = None, ago: timedelta | None = None, **fields: Any
) -> Result:
    owner = owner or make_user(session, Role.researcher)
    result = make_result(session, owner, publish=False, **fields)
    results.publish(session=session, result=result, user=owner)
    if ago is not None:
        _submitted(session, "result", result.id, ago)
    return result


def _submitted(session: Session, entity: str, item_id: int | None, ago: timedelta) -> None:
    session.flush()
    session.execute(
        update(AuditEntry)
        .where(col(AuditEntry.entity) == entity, col(AuditEntry.entity_id) == item_id)
        .values(created_at=utcnow() - ago)
    )


def queue_rows(response: Any) -> list[tuple[str, str]]:
    return [
        (str(row["data-kind"]), row.select_one("h3 a").get_text(strip=True))
        for row in soup(response).select(".review-row")
    ]


def notifications_after(session: Session, last_id: int) -> list[Notification]:
    session.expire_all()
    return list(session.exec(select(Notification).where(col(Notification.id) > last_id)))


def last_notification_id(session: Session) -> int:
    found = session.exec(select(Notification.id).order_by(col(Notification.id).desc())).first()
    return found or 0


def status_of(session: Session, model: type[Need] | type[Result], item_id: int | None) -> PostingStatus:
    session.expire_all()
    row = session.get(model, item_id)
    assert row is not None
    return PostingStatus(row.status)


# ---- the queue ---------------------------------------------------------------------------------


def test_queue_lists_pending_needs_and_results_oldest_first(client: TestClient, session: Session) -> None:
    enterprise = make_user(session, Role.enterprise)
    researcher = make_user(session, Role.researcher)
    pending_need(
        session,
        enterprise,
        ago=timedelta(hours=3, minutes=5),
        title="三小时前提交的需求",
        confidentiality="desensitized",
    )
    pending_result(session, researcher, ago=timedelta(days=2, hours=1), title="两天前提交的成果")
    pending_need(session, enterprise, title="刚提交的需求")
    make_need(session, enterprise, publish=False, title="草稿需求")
    make_need(session, enterprise, title="已发布需求")
    make_result(session, researcher, title="已发布成果")
    returned = pending_result(session, researcher, title="已退回成果")
    results.send_back(
        session=session, result=returned, operator=make_user(session, Role.operator), note="补充"
    )
    operator = make_user(session, Role.operator)
    session.commit()
    login(client, operator)

    page = client.get(QUEUE)
    assert page.status_code == 200
    assert queue_rows(page) == [
        ("result", "两天前提交的成果"),
        ("need", "三小时前提交的需求"),
        ("need", "刚提交的需求"),
    ]
    rows = soup(page).select(".review-row")
    assert [r.select_one(".review-waited").get_text(strip=True) for r in rows] == [
        "等待 2 天",
        "等待 3 小时",
        "刚刚提交",
    ]
    assert "review-overdue" in rows[0]["class"] and "review-overdue" not in rows[1]["class"]
    assert rows[0].select_one(".tag-kind").get_text() == "成果"
    assert rows[1].select_one(".tag-kind").get_text() == "需求"
    assert rows[1].select_one(".tag-conf").get_text() == "脱敏"  # operators see the level
    assert rows[0].select_one(".tag-conf") is None  # results have none
    assert rows[1].select_one(".tag-field").get_text() == "生物与新医药"
    assert "测试单位" in rows[1].select_one(".meta").get_text()  # the organisation, even when 脱敏
    assert rows[1].select_one(".excerpt").get_text().startswith("我们厂的发酵罐")
    need_id = session.exec(select(Need.id).where(Need.title == "三小时前提交的需求")).one()
    assert rows[1].select_one("h3 a")["href"] == f"/needs/{need_id}"
    counts = {
        a["data-tab"]: a.select_one(".review-count").get_text() for a in soup(page).select(".review-tabs a")
    }
    assert counts == {"all": "3", "need": "2", "result": "1"}

    assert queue_rows(client.get(QUEUE, params={"kind": "need"})) == [
        ("need", "三小时前提交的需求"),
        ("need", "刚提交的需求"),
    ]
    assert queue_rows(client.get(QUEUE, params={"kind": "result"})) == [("result", "两天前提交的成果")]
    inline = soup(client.get(QUEUE, params={"kind": "result"})).select_one(".review-row")
    assert (
        inline.select_one("form[action$='/approve'] input[name=next]")["value"] == "/ops/reviews?kind=result"
    )
    assert inline.select_one("form[action$='/return'] textarea[name=note][required]") is not None


def test_queue_is_for_operators_only(client: TestClient, session: Session) -> None:
    pending_need(session)
    session.commit()
    anonymous = client.get(QUEUE, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login?next=/ops/reviews"
    assert client.get("/api/ops/reviews").status_code == 401
    for role in (Role.enterprise, Role.researcher):
        login(client, make_user(session, role))
        page = client.get(QUEUE)
        assert page.status_code == 403 and not soup(page).select(".review-row")
        api = client.get("/api/ops/reviews")
        assert api.status_code == 403 and api.json()["error"]


def test_waited_label_words() -> None:
    now = utcnow()
    assert waited_label(now - timedelta(seconds=20), now) == "刚刚提交"
    assert waited_label(now - timedelta(minutes=42), now) == "等待 42 分钟"
    assert waited_label(now - timedelta(hours=23, minutes=59), now) == "等待 23 小时"
    assert waited_label(now - timedelta(days=9, hours=5), now) == "等待 9 天"


# ---- decisions through the pages -------------------------------------------------------------


def test_approve_from_queue_publishes_and_lists_the_need(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    need = pending_need(session, owner, title="等待审核的储能需求")
    operator = make_user(session, Role.operator, name="审核员甲")
    session.commit()
    assert "等待审核的储能需求" not in client.get("/needs").text
    before = last_notification_id(session)
    login(client, operator)

    r = client.post(
        f"/ops/reviews/need/{need.id}/approve",
        data={"csrf_token": csrf(client), "next": QUEUE},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == QUEUE
    page = client.get(QUEUE)
    assert "已通过审核并发布" in flash(page, "success")
    assert queue_rows(page) == []
    latest = soup(page).select_one(".review-table tbody tr")
    assert "通过发布" in latest.get_text() and "审核员甲" in latest.get_text()
    assert latest.select_one("a")["href"] == f"/needs/{need.id}"

    session.expire_all()
    stored = session.get(Need, need.id)
    assert stored is not None and stored.status == PostingStatus.published
    assert stored.published_at is not None and stored.reviewed_at is not None
    last = history(session=session, entity="need", entity_id=need.id or 0)[-1]
    assert (last.action, last.actor_id) == ("approve", operator.id)
    told = notifications_after(session, before)
    assert [(n.user_id, n.link) for n in told] == [(owner.id, f"/needs/{need.id}")]

    client.cookies.clear()
    listed = [a.get_text(strip=True) for a in soup(client.get("/needs")).select(".posting-card h3 a")]
    assert "等待审核的储能需求" in listed


def test_return_with_reason_tells_exactly_the_owner(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    colleague = make_user(session, Role.enterprise, organisation_id=owner.organisation_id)
    need = pending_need(session, owner, title="描述笼统的需求")
    operator = make_user(session, Role.operator)
    bystanders = [
        colleague,
        operator,
        make_user(session, Role.enterprise),
        make_user(session, Role.researcher),
    ]
    session.commit()
    before = last_notification_id(session)
    login(client, operator)
    detail = soup(client.get(f"/needs/{need.id}"))
    form = detail.select_one(f"form[action='/ops/reviews/need/{need.id}/return']")
    assert form is not None and form.select_one("textarea[name=note][required]") is not None

    r = client.post(
        f"/ops/reviews/need/{need.id}/return",
        data={"csrf_token": csrf(client), "note": "技术指标不明确，请补充染菌率目标"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/needs/{need.id}"
    assert "已退回修改" in flash(client.get(r.headers["location"]), "success")

    session.expire_all()
    stored = session.get(Need, need.id)
    assert stored is not None and stored.status == PostingStatus.returned
    assert stored.review_note == "技术指标不明确，请补充染菌率目标" and stored.published_at is None
    last = history(session=session, entity="need", entity_id=need.id or 0)[-1]
    assert (last.action, last.actor_id, last.summary) == (
        "return",
        operator.id,
        "技术指标不明确，请补充染菌率目标",
    )
    told = notifications_after(session, before)
    assert [n.user_id for n in told] == [owner.id]
    assert "技术指标不明确" in told[0].body
    assert not [n for n in told if n.user_id in {u.id for u in bystanders}]

    login(client, owner)
    banner = soup(client.get(f"/needs/{need.id}")).select_one(".review-returned")
    assert banner is not None and "技术指标不明确，请补充染菌率目标" in banner.get_text()
    client.cookies.clear()
    assert client.get(f"/needs/{need.id}").status_code == 404  # not public while returned


def test_return_without_reason_changes_nothing(client: TestClient, session: Session) -> None:
    need = pending_need(session)
    session.commit()
    before = last_notification_id(session)
    login(client, make_user(session, Role.operator))
    for note in ({}, {"note": "   "}):
        r = client.post(
            f"/ops/reviews/need/{need.id}/return", data={"csrf_token": csrf(client), "next": QUEUE} | note
        )
        assert r.status_code == 200 and r.url.path == QUEUE
        assert "请填写原因" in flash(r, "error")
    assert status_of(session, Need, need.id) == PostingStatus.pending
    assert [e.action for e in history(session=session, entity="need", entity_id=need.id or 0)] == [
        "create",
        "submit",
    ]
    assert notifications_after(session, before) == []


def test_take_down_a_published_result(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.researcher)
    result = make_result(session, owner, title="夸大宣传的成果")
    operator = make_user(session, Role.operator)
    session.commit()
    assert "夸大宣传的成果" in client.get("/results").text
    before = last_notification_id(session)
    login(client, operator)
    token = csrf(client)
    assert soup(client.get(f"/results/{result.id}")).select_one(
        f"form[action='/ops/reviews/result/{result.id}/take-down'] textarea[name=note][required]"
    )

    refused = client.post(f"/ops/reviews/result/{result.id}/take-down", data={"csrf_token": token})
    assert "请填写下架原因" in flash(refused, "error")
    assert status_of(session, Result, result.id) == PostingStatus.published

    r = client.post(
        f"/ops/reviews/result/{result.id}/take-down",
        data={"csrf_token": token, "note": "成果数据与专利不符"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/results/{result.id}"
    assert status_of(session, Result, result.id) == PostingStatus.closed
    last = history(session=session, entity="result", entity_id=result.id or 0)[-1]
    assert (last.action, last.actor_id, last.summary) == ("take_down", operator.id, "成果数据与专利不符")
    assert [n.user_id for n in notifications_after(session, before)] == [owner.id]
    assert "下架" in soup(client.get(QUEUE)).select_one(".review-table tbody tr").get_text()

    client.cookies.clear()
    assert "夸大宣传的成果" not in client.get("/results").text
    assert client.get(f"/results/{result.id}").status_code == 404
    login(client, owner)
    banner = soup(client.get(f"/results/{result.id}")).select_one(".review-returned")
    assert banner is not None and "成果数据与专利不符" in banner.get_text()


def test_approving_twice_shows_a_conflict(client: TestClient, session: Session) -> None:
    result = pending_result(session)
    session.commit()
    login(client, make_user(session, Role.operator))
    token = csrf(client)
    first = client.post(f"/ops/reviews/result/{result.id}/approve", data={"csrf_token": token})
    assert first.status_code == 200 and "已通过审核" in flash(first, "success")
    again = client.post(f"/ops/reviews/result/{result.id}/approve", data={"csrf_token": token, "next": QUEUE})
    assert again.status_code == 200 and again.url.path == QUEUE
    assert "不在待审核状态" in flash(again, "error")
    sent_back = client.post(
        f"/ops/reviews/result/{result.id}/return", data={"csrf_token": token, "note": "晚了"}
    )
    assert "不在待审核状态" in flash(sent_back, "error")
    actions = [e.action for e in history(session=session, entity="result", entity_id=result.id or 0)]
    assert actions == ["create", "submit", "approve"]
    assert status_of(session, Result, result.id) == PostingStatus.published


def test_detail_page_offers_review_actions_only_to_operators(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    waiting = pending_need(session, owner)
    live = make_need(session, owner)
    session.commit()
    login(client, make_user(session, Role.operator))
    page = soup(client.get(f"/needs/{waiting.id}"))
    for action in ("approve", "return"):
        form = page.select_one(f"form[action='/ops/reviews/need/{waiting.id}/{action}']")
        assert form is not None and form.select_one("input[name=csrf_token]")["value"]
    assert page.select_one("form[action$='/take-down']") is None
    page = soup(client.get(f"/needs/{live.id}"))
    assert page.select_one(f"form[action='/ops/reviews/need/{live.id}/take-down']") is not None
    assert page.select_one("form[action$='/approve']") is None
    login(client, owner)
    assert soup(client.get(f"/needs/{waiting.id}")).select_one("form[action^='/ops/reviews/']") is None


def test_page_decisions_need_operator_and_csrf(client: TestClient, session: Session) -> None:
    need = pending_need(session)
    session.commit()
    r = client.post(f"/ops/reviews/need/{need.id}/approve", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    login(client, make_user(session, Role.enterprise))
    assert (
        client.post(f"/ops/reviews/need/{need.id}/approve", data={"csrf_token": csrf(client)}).status_code
        == 403
    )
    login(client, make_user(session, Role.operator))
    assert client.post(f"/ops/reviews/need/{need.id}/approve").status_code == 403  # no token
    assert (
        client.post(f"/ops/reviews/need/{need.id}/approve", data={"csrf_token": "wrong"}).status_code == 403
    )
    assert status_of(session, Need, need.id) == PostingStatus.pending
    assert client.post("/ops/reviews/pairing/1/approve", data={"csrf_token": csrf(client)}).status_code == 404


def test_next_only_goes_back_to_the_queue(client: TestClient, session: Session) -> None:
    need = pending_need(session)
    session.commit()
    login(client, make_user(session, Role.operator))
    r = client.post(
        f"/ops/reviews/need/{need.id}/approve",
        data={"csrf_token": csrf(client), "next": "https://evil.example/ops/reviews"},
        follow_redirects=False,
    )
    assert r.headers["location"] == f"/needs/{need.id}"


def test_an_expired_need_is_not_published(client: TestClient, session: Session) -> None:
    need = pending_need(session)
    need.valid_until = utcnow().date() - timedelta(days=1)  # expired while it waited
    session.add(need)
    session.commit()
    login(client, make_user(session, Role.operator))
    r = client.post(f"/ops/reviews/need/{need.id}/approve", data={"csrf_token": csrf(client)})
    assert "有效期" in flash(r, "error")
    assert status_of(session, Need, need.id) == PostingStatus.pending


# ---- the JSON API ------------------------------------------------------------------------------


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

    r = client.post(f"/api/ops/reviews/need/{older.id}/return", json={})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "note"
    assert client.post(f"/api/ops/reviews/need/{older.id}/return").status_code == 422
    assert status_of(session, Need, older.id) == PostingStatus.pending
    r = client.post(f"/api/ops/reviews/need/{older.id}/return", json={"note": "请补充预算"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["review_note"]) == ("returned", "请补充预算")
    assert client.post(f"/api/ops/reviews/need/{older.id}/approve").status_code == 409

    r = client.post(f"/api/ops/reviews/result/{newer.id}/approve")
    assert r.status_code == 200 and r.json()["status"] == "published" and r.json()["published_at"]
    again = client.post(f"/api/ops/reviews/result/{newer.id}/approve")
    assert again.status_code == 409 and "不在待审核状态" in again.json()["error"]
    assert client.post(f"/api/ops/reviews/result/{newer.id}/return", json={"note": "x"}).status_code == 409

    assert client.post(f"/api/ops/reviews/need/{older.id}/take-down", json={"note": "x"}).status_code == 409
    r = client.post(f"/api/ops/reviews/result/{newer.id}/take-down", json={"note": ""})
    assert r.status_code == 422
    assert status_of(session, Result, newer.id) == PostingStatus.published
    r = client.post(f"/api/ops/reviews/result/{newer.id}/take-down", json={"note": "重复发布"})
    assert r.status_code == 200 and r.json()["status"] == "closed" and r.json()["review_note"] == "重复发布"
    assert client.get("/api/ops/reviews").json()["counts"]["all"] == 0

    assert client.post("/api/ops/reviews/need/999999/approve").status_code == 404
    assert client.post(f"/api/ops/reviews/pairing/{older.id}/approve").status_code == 404


def test_api_note_too_long_is_refused(client: TestClient, session: Session) -> None:
    need = pending_need(session)
    session.commit()
    login(client, make_user(session, Role.operator))
    r = client.post(f"/api/ops/reviews/need/{need.id}/return", json={"note": "长" * 501})
    assert r.status_code == 422 and "500" in r.json()["error"]
    assert status_of(session, Need, need.id) == PostingStatus.pending


def test_api_refuses_non_operators(client: TestClient, session: Session) -> None:
    need = pending_need(session)
    published = make_result(session, make_user(session, Role.researcher))
    session.commit()
    calls = [
        (f"/api/ops/reviews/need/{need.id}/approve", None),
        (f"/api/ops/reviews/need/{need.id}/return", {"note": "不行"}),
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


def test_a_stale_review_decision_loses_to_the_one_already_made(session: Session) -> None:
    """Two operators deciding the same posting at once: the second sees it already decided."""
    from sqlalchemy import update as sa_update

    from backend.errors import Conflict
    from backend.postings import needs as need_service

    owner = make_user(session, Role.enterprise)
    first, second = make_user(session, Role.operator), make_user(session, Role.operator)
    need = make_need(session, owner, publish=False)
    need_service.publish(session=session, need=need, user=owner)
    session.flush()
    # The first operator's decision lands in the database; the second still holds the old row.
    session.execute(sa_update(Need).where(Need.id == need.id).values(status="returned"))
    with pytest.raises(Conflict):
        need_service.approve(session=session, need=need, operator=second)
    session.refresh(need)
    assert need.status == "returned"
    assert first.id != second.id
