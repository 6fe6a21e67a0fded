"""Expressing interest from both sides, the pairing page (contacts, timeline, party actions) and its API."""

from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from backend.accounts.models import User
from backend.notifications.models import Notification
from backend.pairings import service as pairings
from backend.pairings.models import Pairing, PairingEvent
from backend.vocab import PairingStatus, Role
from embeddings.engine import MatchEngine
from tests.factories import login, make_need, make_result, make_user

NEED_PHONE, RESULT_PHONE = "13871234567", "027-87541234"  # the factories' contacts


def soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def csrf(client: TestClient) -> str:
    token = soup(client.get("/needs")).select_one("input[name=csrf_token]")
    assert token is not None
    return str(token["value"])


def world(session: Session) -> dict[str, Any]:
    enterprise = make_user(session, Role.enterprise)
    colleague = make_user(session, Role.enterprise, organisation_id=enterprise.organisation_id)
    researcher = make_user(session, Role.researcher)
    need = make_need(session, enterprise)
    result = make_result(session, researcher)
    operator = make_user(session, Role.operator)
    bystander = make_user(session, Role.researcher)
    session.commit()
    return {
        "enterprise": enterprise,
        "colleague": colleague,
        "researcher": researcher,
        "need": need,
        "result": result,
        "operator": operator,
        "bystander": bystander,
    }


def interest(client: TestClient, w: dict[str, Any], **extra: Any) -> Any:
    data = {
        "need_id": w["need"].id,
        "result_id": w["result"].id,
        "message": "我们想了解中试规模。",
        "back": f"/needs/{w['need'].id}",
        "csrf_token": csrf(client),
    } | extra
    return client.post("/pairings/interest", data=data, follow_redirects=False)


def notified(session: Session, kind: str) -> set[int]:
    return set(session.exec(select(Notification.user_id).where(Notification.kind == kind)))


def pairing_rows(session: Session) -> list[Pairing]:
    return list(session.exec(select(Pairing)))


def test_interest_creates_one_pairing_one_event_and_tells_the_other_side_and_operators(
    client: TestClient, session: Session
) -> None:
    w = world(session)
    earlier = set(session.exec(select(Notification.id)))  # e.g. the postings' review outcomes
    login(client, w["enterprise"])
    response = interest(client, w)
    assert response.status_code == 303
    assert response.headers["location"] == f"/needs/{w['need'].id}#pair-{w['need'].id}-{w['result'].id}"
    [pairing] = pairing_rows(session)
    assert pairing.status == PairingStatus.interested and pairing.proposed_by == "enterprise"
    events = pairings.events(session=session, pairing=pairing)
    assert [(e.from_status, e.to_status, e.note) for e in events] == [
        (None, "interested", "我们想了解中试规模。")
    ]
    assert "reasons_for" in pairing.explanation  # the snapshot (matching is off here: fit reasons only)
    operators = set(session.exec(select(Notification.user_id).where(Notification.kind == "pairing_pending")))
    all_ops = set(session.exec(select(User.id).where(User.role == Role.operator)))
    assert notified(session, "interest_received") == {w["researcher"].id}
    assert operators == all_ops and w["operator"].id in operators
    everyone = {n.user_id for n in session.exec(select(Notification)) if n.id not in earlier}
    assert everyone == {w["researcher"].id} | all_ops  # not the sender, a colleague or a bystander
    link = session.exec(select(Notification.link).where(Notification.kind == "interest_received")).one()
    assert link == f"/pairings/{pairing.id}"


def test_a_second_interest_is_refused_without_a_duplicate(client: TestClient, session: Session) -> None:
    w = world(session)
    login(client, w["enterprise"])
    interest(client, w)
    again = interest(client, w)
    assert again.status_code == 303
    page = client.get(again.headers["location"])
    assert "已提交意向，等待对方回应" in soup(page).select_one(".flash-error").get_text()
    assert len(pairing_rows(session)) == 1
    assert session.exec(select(func.count()).select_from(PairingEvent)).one() == 1
    login(client, w["colleague"])  # the same side, another person: still the same side
    interest(client, w)
    assert len(pairing_rows(session)) == 1


def test_the_other_side_confirms_and_the_pairing_waits_for_review(
    client: TestClient, session: Session
) -> None:
    w = world(session)
    login(client, w["enterprise"])
    interest(client, w)
    login(client, w["researcher"])
    [pairing] = pairing_rows(session)
    page = soup(client.get(f"/pairings/{pairing.id}"))
    assert page.select_one("form[action='/pairings/interest'] button").get_text(strip=True) == "我也有意向"
    response = interest(client, w, back="/workspace", message="欢迎来实验室考察")
    assert response.headers["location"] == f"/pairings/{pairing.id}"
    session.refresh(pairing)
    assert pairing.status == PairingStatus.pending_review
    assert len(pairings.events(session=session, pairing=pairing)) == 2
    assert notified(session, "interest_confirmed") == {w["enterprise"].id, w["colleague"].id}
    # the progress line marks 待审核 as the current step
    current = soup(client.get(f"/pairings/{pairing.id}")).select_one(".progress [aria-current=step]")
    assert current.get_text(strip=True) == "待审核"


def test_contacts_appear_on_the_pairing_page_only_once_approved(client: TestClient, session: Session) -> None:
    w = world(session)
    login(client, w["enterprise"])
    interest(client, w)
    [pairing] = pairing_rows(session)
    for user in (w["enterprise"], w["researcher"]):
        login(client, user)
        contact = soup(client.get(f"/pairings/{pairing.id}")).select_one(".contact")
        assert NEED_PHONE not in contact.get_text() and RESULT_PHONE not in contact.get_text()
        assert "平台批准对接后" in contact.get_text()
    pairings.transition(session=session, pairing=pairing, user=w["operator"], to=PairingStatus.approved)
    session.commit()
    for user in (w["enterprise"], w["researcher"]):
        login(client, user)
        contact = soup(client.get(f"/pairings/{pairing.id}")).select_one(".contact").get_text()
        assert NEED_PHONE in contact and RESULT_PHONE in contact
    # after approval a party can mark 洽谈中
    response = client.post(
        f"/pairings/{pairing.id}/negotiate", data={"csrf_token": csrf(client), "version": pairing.version}
    )
    assert response.status_code == 200
    session.refresh(pairing)
    assert pairing.status == PairingStatus.negotiating


def test_outsiders_get_404_and_strangers_are_sent_to_log_in(client: TestClient, session: Session) -> None:
    w = world(session)
    login(client, w["enterprise"])
    interest(client, w)
    [pairing] = pairing_rows(session)
    login(client, w["bystander"])
    assert client.get(f"/pairings/{pairing.id}").status_code == 404
    assert client.get(f"/api/pairings/{pairing.id}").status_code == 404
    login(client, w["operator"])
    assert client.get(f"/pairings/{pairing.id}").status_code == 200
    client.cookies.clear()
    response = client.get(f"/pairings/{pairing.id}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_withdrawing_needs_a_reason_and_closes_the_pairing(client: TestClient, session: Session) -> None:
    w = world(session)
    login(client, w["enterprise"])
    interest(client, w)
    [pairing] = pairing_rows(session)
    token = csrf(client)
    refused = client.post(f"/pairings/{pairing.id}/withdraw", data={"csrf_token": token, "note": " "})
    assert "请填写原因" in refused.text
    session.refresh(pairing)
    assert pairing.status == PairingStatus.interested
    client.post(f"/pairings/{pairing.id}/withdraw", data={"csrf_token": token, "note": "成熟度不够"})
    session.refresh(pairing)
    assert pairing.status == PairingStatus.closed
    timeline = soup(client.get(f"/pairings/{pairing.id}")).select_one(".timeline").get_text()
    assert "已关闭" in timeline and "成熟度不够" in timeline


def test_interest_needs_a_party_csrf_and_a_visible_pair(client: TestClient, session: Session) -> None:
    w = world(session)
    login(client, w["enterprise"])
    no_token = client.post(
        "/pairings/interest", data={"need_id": w["need"].id, "result_id": w["result"].id, "message": ""}
    )
    assert no_token.status_code == 403
    login(client, w["bystander"])  # a researcher of another organisation speaks for neither side
    assert interest(client, w).status_code == 403
    secret = make_need(session, w["enterprise"], confidentiality="secret", title="保密：耐碱填料")
    session.commit()
    login(client, w["researcher"])  # cannot open interest on a 保密 need it may not see
    assert interest(client, w, need_id=secret.id).status_code == 404
    assert pairing_rows(session) == []


def test_json_api_expresses_lists_and_reads_pairings(client: TestClient, session: Session) -> None:
    w = world(session)
    login(client, w["researcher"])
    body = {"need_id": w["need"].id, "result_id": w["result"].id, "message": "可提供样品"}
    created = client.post("/api/pairings/interest", json=body)
    assert created.status_code == 200, created.text
    assert created.json()["status"] == "interested" and created.json()["status_label"] == "意向"
    assert client.post("/api/pairings/interest", json=body).status_code == 409
    assert client.post("/api/pairings/interest", json=body | {"message": "长" * 501}).status_code == 422
    mine = client.get("/api/pairings").json()
    assert [p["id"] for p in mine] == [created.json()["id"]]
    detail = client.get(f"/api/pairings/{created.json()['id']}").json()
    assert [e["to_status"] for e in detail["events"]] == ["interested"]
    login(client, w["enterprise"])
    confirmed = client.post("/api/pairings/interest", json=body | {"message": ""})
    assert confirmed.json()["status"] == "pending_review"
    login(client, w["bystander"])
    assert client.get("/api/pairings").json() == []


@pytest.mark.slow
def test_match_cards_carry_interest_and_show_where_the_pair_stands(
    client: TestClient, session: Session, match_engine: MatchEngine
) -> None:
    w = world(session)
    need_url, result_url = f"/needs/{w['need'].id}", f"/results/{w['result'].id}"
    card = f"#match-result-{w['result'].id}"
    login(client, w["enterprise"])
    assert soup(client.get(need_url)).select_one(f"{card} .interest summary").get_text() == "表达对接意向"
    interest(client, w)
    [pairing] = pairing_rows(session)
    assert pairing.score > 0 and pairing.explanation["shared_terms"]  # the engine's snapshot
    box = soup(client.get(need_url)).select_one(f"{card} .pair-box")
    assert "意向已发送" in box.get_text() and box.select_one("form") is None
    login(client, w["researcher"])
    other = soup(client.get(result_url)).select_one(f"#match-need-{w['need'].id} .pair-box")
    assert other.select_one("button").get_text(strip=True) == "我也有意向"
    login(client, w["bystander"])  # no interest controls for someone who owns neither side
    assert soup(client.get(need_url)).select_one(f"{card} .pair-box") is None
