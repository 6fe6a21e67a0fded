"""The review queue page: what waits, oldest first, for operators only."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.db import utcnow
from backend.ops.reviews import waited_label
from backend.postings import needs as needs
from backend.postings import results as results
from backend.postings.need_model import Need
from backend.vocab import Role
from tests.backend.ops.review_kit import (
    QUEUE,
    pending_need,
    pending_result,
    queue_rows,
    soup,
)
from tests.factories import login, make_need, make_result, make_user


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
