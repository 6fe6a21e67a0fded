"""The operators' pairing desk: the queue, decisions by page and API, batches, races and suggestions."""

from datetime import timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from backend.db import utcnow
from backend.notifications.models import Notification
from backend.ops import pairing_queue as desk
from backend.ops import suggestions as suggest
from backend.pairings import service as pairings
from backend.pairings.models import Pairing, PairingEvent
from backend.vocab import PairingStatus as S
from backend.vocab import Role
from embeddings.engine import MatchEngine
from tests.factories import login, make_need, make_result, make_user


def soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def flash(response: Any) -> str:
    found = soup(response).select_one(".flash")
    return found.get_text(strip=True) if found else ""


def csrf(client: TestClient) -> str:
    token = soup(client.get("/ops/pairings")).select_one("input[name=csrf_token]")
    assert token is not None
    return str(token["value"])


@pytest.fixture
def w(session: Session) -> dict[str, Any]:
    enterprise = make_user(session, Role.enterprise)
    researcher = make_user(session, Role.researcher)
    return {
        "enterprise": enterprise,
        "researcher": researcher,
        "colleague": make_user(session, Role.enterprise, organisation_id=enterprise.organisation_id),
        "stranger": make_user(session, Role.researcher),
        "operator": make_user(session, Role.operator),
        "other_operator": make_user(session, Role.operator),
        "need": make_need(session, enterprise),
    }


def _pairing(
    session: Session, w: dict[str, Any], status: S, *, hours_ago: float = 1, **result: Any
) -> Pairing:
    """A pairing reached the way parties reach it: the enterprise asks, the researcher confirms."""
    res = make_result(session, w["researcher"], **result)
    pairing = pairings.express_interest(
        session=session,
        need=w["need"],
        result=res,
        user=w["enterprise"],
        note="想了解",
        score=72,
        explanation={
            "reasons_for": ["领域一致"],
            "reasons_against": ["成熟度低于期望"],
            "shared_terms": ["发酵"],
        },
    )
    if status != S.interested:
        pairings.express_interest(
            session=session,
            need=w["need"],
            result=res,
            user=w["researcher"],
            note="",
            score=0,
            explanation={},
        )
    path = {S.approved: [S.approved], S.negotiating: [S.approved, S.negotiating]}.get(status, [])
    for step in path:
        pairings.transition(session=session, pairing=pairing, user=w["other_operator"], to=step)
    pairing.updated_at = utcnow() - timedelta(hours=hours_ago)
    session.add(pairing)
    session.flush()
    return pairing


def _last_notification_id(session: Session) -> int:
    return int(session.exec(select(func.coalesce(func.max(Notification.id), 0))).one())


def _notified_since(session: Session, since: int) -> set[int]:
    rows = session.exec(select(Notification.user_id).where(col(Notification.id) > since))
    return set(rows)


def _state(session: Session, pairing: Pairing) -> tuple[str, int, int]:
    session.refresh(pairing)
    count = session.exec(
        select(func.count()).select_from(PairingEvent).where(PairingEvent.pairing_id == pairing.id)
    ).one()
    return pairing.status, pairing.version, int(count)


def _post(client: TestClient, url: str, **data: Any) -> Any:
    return client.post(url, data={"csrf_token": csrf(client), **data}, follow_redirects=True)


# --- the queue -------------------------------------------------------------------------------


def test_queue_puts_pending_review_first_then_interest_then_follow_ups_oldest_first(
    client: TestClient, session: Session, w: dict[str, Any]
) -> None:
    interested = _pairing(session, w, S.interested, hours_ago=100, title="意向成果（等得最久）")
    approved = _pairing(session, w, S.approved, hours_ago=200, title="已批准成果")
    fresh_review = _pairing(session, w, S.pending_review, hours_ago=2, title="待审核成果（新）")
    old_review = _pairing(session, w, S.pending_review, hours_ago=30, title="待审核成果（旧）")
    login(client, w["operator"])

    page = soup(client.get("/ops/pairings"))

    rows = page.select(".ops-queue > li")
    assert [r["id"] for r in rows] == [
        f"pairing-{p.id}" for p in (old_review, fresh_review, interested, approved)
    ]
    first = rows[0].get_text(" ", strip=True)
    assert "等待 30 小时" in first and "待审核成果（旧）" in first and w["need"].title in first
    assert "领域一致" in first and "成熟度低于期望" in first and "发酵" in first
    assert "等待 4 天" in rows[2].get_text()
    assert rows[0].select_one("form[action$='/approve'] input[name=version]")["value"] == str(
        old_review.version
    )


def test_queue_filters_by_status(client: TestClient, session: Session, w: dict[str, Any]) -> None:
    _pairing(session, w, S.pending_review, title="待审核成果")
    interested = _pairing(session, w, S.interested, title="意向成果")
    login(client, w["operator"])
    rows = soup(client.get("/ops/pairings?status=interested")).select(".ops-queue > li")
    assert [r["id"] for r in rows] == [f"pairing-{interested.id}"]
    assert client.get("/ops/pairings?field=aerospace").status_code == 200
    assert soup(client.get("/ops/pairings?field=aerospace")).select(".ops-queue > li") == []


@pytest.mark.parametrize("role", ["enterprise", "researcher"])
def test_queue_is_for_operators_only(
    client: TestClient, session: Session, w: dict[str, Any], role: str
) -> None:
    _pairing(session, w, S.pending_review)
    login(client, w[role])
    assert client.get("/ops/pairings").status_code == 403
    assert client.get("/api/ops/pairings").status_code == 403
    assert client.post("/api/ops/pairings/batch", json={"ids": [1], "to": "approved"}).status_code == 403


def test_queue_asks_anonymous_visitors_to_log_in(client: TestClient) -> None:
    response = client.get("/ops/pairings", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_queue_says_when_the_engine_is_off(client: TestClient, w: dict[str, Any]) -> None:
    login(client, w["operator"])
    assert "匹配引擎未启用" in soup(client.get("/ops/pairings")).select_one(".ops-suggestions").get_text()


# --- single decisions ------------------------------------------------------------------------


def test_approve_from_the_page_notifies_both_parties_and_no_one_else(
    client: TestClient, session: Session, w: dict[str, Any]
) -> None:
    pairing = _pairing(session, w, S.pending_review)
    login(client, w["operator"])
    since = _last_notification_id(session)

    response = _post(client, f"/ops/pairings/{pairing.id}/approve", version=pairing.version)

    assert "已变更为“已批准”" in flash(response)
    assert _state(session, pairing)[:2] == (S.approved, 3)
    last = pairings.events(session=session, pairing=pairing)[-1]
    assert (last.from_status, last.to_status, last.actor_id) == (
        S.pending_review,
        S.approved,
        w["operator"].id,
    )
    assert _notified_since(session, since) == {w["enterprise"].id, w["researcher"].id}


def test_reject_without_a_note_changes_nothing(
    client: TestClient, session: Session, w: dict[str, Any]
) -> None:
    pairing = _pairing(session, w, S.pending_review)
    login(client, w["operator"])
    before, since = _state(session, pairing), _last_notification_id(session)

    response = _post(client, f"/ops/pairings/{pairing.id}/reject", version=pairing.version, note="  ")

    assert "请填写原因" in flash(response)
    assert _state(session, pairing) == before
    assert _notified_since(session, since) == set()


def test_reject_tells_only_the_party_who_asked(
    client: TestClient, session: Session, w: dict[str, Any]
) -> None:
    pairing = _pairing(session, w, S.interested)  # only the enterprise has asked
    login(client, w["operator"])
    since = _last_notification_id(session)

    _post(client, f"/ops/pairings/{pairing.id}/reject", version=pairing.version, note="成熟度差距过大")

    assert _state(session, pairing)[0] == S.rejected
    assert pairings.events(session=session, pairing=pairing)[-1].note == "成熟度差距过大"
    assert _notified_since(session, since) == {w["enterprise"].id}
    body = session.exec(select(Notification).where(col(Notification.id) > since)).one().body
    assert "成熟度差距过大" in body


def test_a_stale_version_gets_the_conflict_message_and_changes_nothing(
    client: TestClient, session: Session, w: dict[str, Any]
) -> None:
    pairing = _pairing(session, w, S.pending_review)
    seen = pairing.version
    desk.decide(
        session=session,
        pairing_id=pairing.id or 0,
        operator=w["other_operator"],
        to=S.rejected,
        note="重复",
        version=seen,
    )
    login(client, w["operator"])
    before = _state(session, pairing)

    response = _post(client, f"/ops/pairings/{pairing.id}/approve", version=seen)

    assert response.status_code == 200
    assert "该对接已被他人处理" in flash(response) and "已拒绝" in flash(response)
    assert _state(session, pairing) == before


def test_signing_stores_amount_and_date_and_refuses_bad_input(
    client: TestClient, session: Session, w: dict[str, Any]
) -> None:
    pairing = _pairing(session, w, S.negotiating)
    login(client, w["operator"])
    yesterday = (utcnow().date() - timedelta(days=1)).isoformat()
    before = _state(session, pairing)

    bad = _post(
        client,
        f"/ops/pairings/{pairing.id}/sign",
        version=pairing.version,
        contract_amount="一百",
        signed_on=yesterday,
    )
    assert "合同金额请填写数字" in flash(bad)
    no_date = _post(
        client, f"/ops/pairings/{pairing.id}/sign", version=pairing.version, contract_amount="120"
    )
    assert "请填写签约日期" in flash(no_date)
    assert _state(session, pairing) == before

    since = _last_notification_id(session)
    done = _post(
        client,
        f"/ops/pairings/{pairing.id}/sign",
        version=pairing.version,
        contract_amount="120.5",
        signed_on=yesterday,
    )
    assert "已签约" in flash(done)
    session.refresh(pairing)
    assert (pairing.status, pairing.contract_amount, pairing.signed_on.isoformat()) == (
        S.signed,
        120.5,
        yesterday,
    )  # type: ignore[union-attr]
    assert _notified_since(session, since) == {w["enterprise"].id, w["researcher"].id}
    # A signed pairing offers no further action.
    assert soup(client.get("/ops/pairings?status=negotiating")).select(".ops-queue > li") == []


def test_lifecycle_after_approval_through_the_api(
    client: TestClient, session: Session, w: dict[str, Any]
) -> None:
    pairing = _pairing(session, w, S.approved)
    login(client, w["operator"])
    url = f"/api/ops/pairings/{pairing.id}/decision"
    seen = pairing.version

    moved = client.post(url, json={"to": "negotiating", "version": seen})
    assert moved.status_code == 200 and moved.json()["status"] == "negotiating"
    assert moved.json()["version"] == seen + 1
    stale = client.post(url, json={"to": "closed", "version": seen, "note": "企业撤回"})
    assert stale.status_code == 409 and "该对接已被他人处理" in stale.json()["error"]
    no_reason = client.post(url, json={"to": "closed", "version": moved.json()["version"]})
    assert no_reason.status_code == 422
    closed = client.post(url, json={"to": "closed", "version": moved.json()["version"], "note": "企业撤回"})
    assert closed.status_code == 200 and closed.json()["status_label"] == "已关闭"
    again = client.post(url, json={"to": "negotiating", "version": closed.json()["version"]})
    assert again.status_code == 409
    assert [e.to_status for e in pairings.events(session=session, pairing=pairing)][-2:] == [
        S.negotiating,
        S.closed,
    ]


# --- batches ---------------------------------------------------------------------------------


def test_batch_approve_skips_the_one_someone_else_decided(
    client: TestClient, session: Session, w: dict[str, Any]
) -> None:
    items = [_pairing(session, w, S.pending_review, title=f"批量成果{i}") for i in range(3)]
    login(client, w["operator"])
    ticked = [f"{p.id}:{p.version}" for p in items]  # what the page showed
    desk.decide(
        session=session,
        pairing_id=items[1].id or 0,
        operator=w["other_operator"],
        to=S.rejected,
        note="不合适",
    )

    response = client.post(
        "/ops/pairings/batch",
        data={"csrf_token": csrf(client), "to": "approved", "note": "", "ids": ticked},
        follow_redirects=True,
    )

    message = flash(response)
    assert "已批准 2 项" in message and "1 项已被他人处理" in message and f"#{items[1].id}" in message
    assert [_state(session, p)[0] for p in items] == [S.approved, S.rejected, S.approved]


def test_batch_reject_needs_a_note_and_changes_nothing_without_one(
    client: TestClient, session: Session, w: dict[str, Any]
) -> None:
    items = [_pairing(session, w, S.pending_review, title=f"批量成果{i}") for i in range(2)]
    login(client, w["operator"])
    before = [_state(session, p) for p in items]
    response = client.post(
        "/ops/pairings/batch",
        data={"csrf_token": csrf(client), "to": "rejected", "ids": [f"{p.id}:{p.version}" for p in items]},
        follow_redirects=True,
    )
    assert "请填写原因" in flash(response)
    assert [_state(session, p) for p in items] == before


def test_batch_api_reports_each_decision(client: TestClient, session: Session, w: dict[str, Any]) -> None:
    items = [_pairing(session, w, S.pending_review, title=f"批量成果{i}") for i in range(3)]
    desk.decide(session=session, pairing_id=items[0].id or 0, operator=w["other_operator"], to=S.approved)
    login(client, w["operator"])
    response = client.post(
        "/api/ops/pairings/batch", json={"ids": [p.id for p in items], "to": "rejected", "note": "方向不符"}
    )
    body = response.json()
    assert response.status_code == 200
    assert body["done"] == [items[1].id, items[2].id]
    assert [s["id"] for s in body["skipped"]] == [items[0].id]
    events = pairings.events(session=session, pairing=items[2])
    assert (events[-1].to_status, events[-1].note) == (S.rejected, "方向不符")


# --- proposals -------------------------------------------------------------------------------


def test_proposing_the_same_pair_twice_is_a_409(
    client: TestClient, session: Session, w: dict[str, Any]
) -> None:
    result = make_result(session, w["researcher"])
    login(client, w["operator"])
    body = {"need_id": w["need"].id, "result_id": result.id}
    first = client.post("/api/ops/pairings", json=body)
    assert first.status_code == 201 and first.json()["status"] == "suggested"
    assert first.json()["proposed_by"] == "operator"
    second = client.post("/api/ops/pairings", json=body)
    assert second.status_code == 409 and "已有对接记录" in second.json()["error"]
    assert len(session.exec(select(Pairing).where(Pairing.need_id == w["need"].id)).all()) == 1


NEED = {
    "title": "单抗纯化填料想找国产替代",
    "problem": "我们做单抗药，下游纯化第一步的亲和填料一直用进口的，太贵还老断货，想找国内能做的团队。",
    "indicators": "载量不低于进口产品，能耐碱清洗",
    "keywords": ["纯化", "填料"],
    "field": "biomedicine",
}
SOLVER = {
    "title": "碱稳定型重组蛋白A配基及高载量亲和层析介质",
    "summary": "通过定点突变获得耐碱的重组Protein A配基，偶联于高交联琼脂糖微球，动态载量达 60 mg/mL，"
    "0.5 M NaOH 在位清洗 200 次后载量保持 90% 以上，可用于单克隆抗体的亲和捕获。",
    "keywords": ["Protein A", "亲和层析"],
    "field": "biomedicine",
    "trl": 6,
    "modes": ["transfer", "joint_development"],
}


@pytest.mark.slow
def test_proposal_from_engine_suggestions_creates_one_pairing_and_tells_both_parties(
    client: TestClient, session: Session, match_engine: MatchEngine
) -> None:
    enterprise = make_user(session, Role.enterprise)
    researcher = make_user(session, Role.researcher)
    operator = make_user(session, Role.operator)
    bystander = make_user(session, Role.researcher, organisation_id=researcher.organisation_id)
    need = make_need(session, enterprise, **NEED)
    solver = make_result(session, researcher, **SOLVER)
    session.commit()  # the engine follows committed writes
    login(client, operator)

    page = soup(client.get("/ops/pairings"))
    card = page.select_one(f"#suggest-need-{need.id}")
    assert card is not None, page.select_one(".ops-suggestions").get_text(" ", strip=True)
    form = card.select_one(f"form input[name=result_id][value='{solver.id}']")
    assert form is not None
    score = float(card.select_one(".ops-score strong").get_text())
    assert score >= suggest.SUGGESTION_THRESHOLD
    since = _last_notification_id(session)

    response = _post(client, "/ops/pairings/propose", need_id=need.id, result_id=solver.id)

    assert "已向双方推荐" in flash(response)
    created = session.exec(select(Pairing).where(Pairing.need_id == need.id)).all()
    assert len(created) == 1
    pairing = created[0]
    assert (pairing.result_id, pairing.status, pairing.proposed_by) == (solver.id, S.suggested, "operator")
    assert pairing.proposed_by_user_id == operator.id and pairing.score >= suggest.SUGGESTION_THRESHOLD
    assert pairing.explanation["engine"] is True and pairing.explanation["reasons_for"]
    assert _notified_since(session, since) == {enterprise.id, researcher.id}
    assert bystander.id not in _notified_since(session, since)
    # Once paired, the need leaves the suggestions; proposing it again is refused.
    assert soup(client.get("/ops/pairings")).select_one(f"#suggest-need-{need.id}") is None
    again = _post(client, "/ops/pairings/propose", need_id=need.id, result_id=solver.id)
    assert "已有对接记录" in flash(again)
    assert len(session.exec(select(Pairing).where(Pairing.need_id == need.id)).all()) == 1
