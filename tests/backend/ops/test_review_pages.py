"""Review decisions through the pages: approve, return and take down, who is told, what is refused."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.audit.service import history
from backend.db import utcnow
from backend.postings import needs as needs
from backend.postings import results as results
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PostingStatus, Role
from tests.backend.ops.review_kit import (
    QUEUE,
    csrf,
    flash,
    last_notification_id,
    notifications_after,
    pending_need,
    pending_result,
    queue_rows,
    soup,
    status_of,
)
from tests.factories import login, make_need, make_result, make_user


class TestDecisions:
    """Each decision changes the posting, the audit trail and tells the owner."""

    def test_approve_from_queue_publishes_and_lists_the_need(
        self, client: TestClient, session: Session
    ) -> None:
        owner = make_user(session, Role.enterprise)
        need = pending_need(session, owner, title="等待审核的储能需求")
        operator = make_user(session, Role.operator, name="审核员甲")
        session.commit()
        assert "等待审核的储能需求" not in client.get("/needs").text
        before = last_notification_id(session)
        login(client, operator)

        r = client.post(
            f"/ops/reviews/need/{need.id}/approve",
            data={"csrf_token": csrf(client), "next": QUEUE, "version": need.version},
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

    def test_return_with_reason_tells_exactly_the_owner(self, client: TestClient, session: Session) -> None:
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
            data={
                "csrf_token": csrf(client),
                "note": "技术指标不明确，请补充染菌率目标",
                "version": need.version,
            },
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

    def test_return_without_reason_changes_nothing(self, client: TestClient, session: Session) -> None:
        need = pending_need(session)
        session.commit()
        before = last_notification_id(session)
        login(client, make_user(session, Role.operator))
        for note in ({}, {"note": "   "}):
            form = {"csrf_token": csrf(client), "next": QUEUE, "version": need.version} | note
            r = client.post(f"/ops/reviews/need/{need.id}/return", data=form)
            assert r.status_code == 200 and r.url.path == QUEUE
            assert "请填写原因" in flash(r, "error")
        assert status_of(session, Need, need.id) == PostingStatus.pending
        assert [e.action for e in history(session=session, entity="need", entity_id=need.id or 0)] == [
            "create",
            "submit",
        ]
        assert notifications_after(session, before) == []

    def test_take_down_a_published_result(self, client: TestClient, session: Session) -> None:
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

    def test_approving_twice_shows_a_conflict(self, client: TestClient, session: Session) -> None:
        result = pending_result(session)
        session.commit()
        login(client, make_user(session, Role.operator))
        token = csrf(client)
        seen = {"csrf_token": token, "version": result.version}
        first = client.post(f"/ops/reviews/result/{result.id}/approve", data=seen)
        assert first.status_code == 200 and "已通过审核" in flash(first, "success")
        again = client.post(f"/ops/reviews/result/{result.id}/approve", data=seen | {"next": QUEUE})
        assert again.status_code == 200 and again.url.path == QUEUE
        assert "不在待审核状态" in flash(again, "error")
        sent_back = client.post(f"/ops/reviews/result/{result.id}/return", data=seen | {"note": "晚了"})
        assert "不在待审核状态" in flash(sent_back, "error")
        actions = [e.action for e in history(session=session, entity="result", entity_id=result.id or 0)]
        assert actions == ["create", "submit", "approve"]
        assert status_of(session, Result, result.id) == PostingStatus.published

    def test_an_expired_need_is_not_published(self, client: TestClient, session: Session) -> None:
        need = pending_need(session)
        need.valid_until = utcnow().date() - timedelta(days=1)  # expired while it waited
        session.add(need)
        session.commit()
        login(client, make_user(session, Role.operator))
        r = client.post(
            f"/ops/reviews/need/{need.id}/approve", data={"csrf_token": csrf(client), "version": need.version}
        )
        assert "有效期" in flash(r, "error")
        assert status_of(session, Need, need.id) == PostingStatus.pending


class TestForms:
    """The review forms: who is offered them, CSRF, where they return to."""

    def test_detail_page_offers_review_actions_only_to_operators(
        self, client: TestClient, session: Session
    ) -> None:
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

    def test_page_decisions_need_operator_and_csrf(self, client: TestClient, session: Session) -> None:
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
            client.post(f"/ops/reviews/need/{need.id}/approve", data={"csrf_token": "wrong"}).status_code
            == 403
        )
        assert status_of(session, Need, need.id) == PostingStatus.pending
        assert (
            client.post("/ops/reviews/pairing/1/approve", data={"csrf_token": csrf(client)}).status_code
            == 404
        )

    def test_next_only_goes_back_to_the_queue(self, client: TestClient, session: Session) -> None:
        need = pending_need(session)
        session.commit()
        login(client, make_user(session, Role.operator))
        r = client.post(
            f"/ops/reviews/need/{need.id}/approve",
            data={
                "csrf_token": csrf(client),
                "next": "https://evil.example/ops/reviews",
                "version": need.version,
            },
            follow_redirects=False,
        )
        assert r.headers["location"] == f"/needs/{need.id}"
