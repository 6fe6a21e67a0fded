"""在线洽谈: after approval both parties and the operator write in the pairing's thread."""

from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend import outgoing_mail
from backend.audit.models import AuditEntry
from backend.errors import InvalidInput, NotPermitted
from backend.notifications.models import Notification
from backend.pairings import service as pairings
from backend.pairings import thread
from backend.pairings.models import Pairing
from backend.vocab import PairingStatus as S
from backend.vocab import Role
from tests.factories import login, make_need, make_result, make_user


@pytest.fixture
def w(session: Session) -> dict[str, Any]:
    enterprise, researcher = make_user(session, Role.enterprise), make_user(session, Role.researcher)
    world = {
        "enterprise": enterprise,
        "researcher": researcher,
        "operator": make_user(session, Role.operator),
        "outsider": make_user(session, Role.researcher),
        "need": make_need(session, enterprise, confidentiality="secret", title="保密：高温合金叶片检测"),
        "result": make_result(session, researcher),
    }
    pairing = pairings.propose(
        session=session, need=world["need"], result=world["result"], by=None, score=70, explanation={}
    )
    world["pairing"] = pairing
    session.commit()
    return world


def _at(session: Session, pairing: Pairing, status: S) -> None:
    pairing.status = status
    session.add(pairing)
    session.commit()


def _page(client: TestClient, pairing: Pairing) -> BeautifulSoup:
    response = client.get(f"/pairings/{pairing.id}")
    assert response.status_code == 200
    return BeautifulSoup(response.text, "html.parser")


def test_before_approval_only_the_operator_writes(session: Session, w: dict[str, Any]) -> None:
    pairing = w["pairing"]
    for status in (S.suggested, S.interested, S.pending_review):
        _at(session, pairing, status)
        with pytest.raises(NotPermitted, match="平台批准对接后"):
            thread.post(session=session, pairing=pairing, user=w["researcher"], body="你好")
    thread.post(session=session, pairing=pairing, user=w["operator"], body="请先补充中试数据")
    told = session.exec(
        select(Notification).where(
            Notification.user_id == w["researcher"].id, Notification.kind == "pairing_message"
        )
    ).one()
    assert (
        "高温合金" not in told.title and "一项保密需求" in told.title
    )  # not approved: the 保密 need stays hidden
    assert [m.body for m in thread.messages(session=session, pairing=pairing, viewer=w["enterprise"])] == [
        "请先补充中试数据"
    ]


def test_a_conversation_reaches_each_party_by_notification_and_email(
    session: Session, w: dict[str, Any]
) -> None:
    pairing = w["pairing"]
    _at(session, pairing, S.approved)
    outgoing_mail.take(session)
    thread.post(session=session, pairing=pairing, user=w["enterprise"], body="下周二能否来厂里看设备？")
    mails = outgoing_mail.take(session)
    assert [to for to, _, _ in mails] == [w["researcher"].email]
    note = session.exec(
        select(Notification).where(
            Notification.user_id == w["researcher"].id, Notification.kind == "pairing_message"
        )
    ).one()
    # Approved: the researcher may read the 保密 need's title now; the link opens the thread.
    assert "高温合金叶片检测" in note.title and note.link == f"/pairings/{pairing.id}#thread"
    assert thread.unread_counts(session=session, user=w["researcher"], pairing_ids=[pairing.id]) == {
        pairing.id: 1
    }
    thread.post(session=session, pairing=pairing, user=w["researcher"], body="可以，上午十点到。")
    assert thread.unread_counts(session=session, user=w["researcher"], pairing_ids=[pairing.id]) == {}
    assert thread.unread_counts(session=session, user=w["enterprise"], pairing_ids=[pairing.id]) == {
        pairing.id: 1
    }
    thread.post(session=session, pairing=pairing, user=w["operator"], body="平台可协助起草技术合同。")
    seen = thread.messages(session=session, pairing=pairing, viewer=w["enterprise"])
    assert [m.body[:2] for m in seen] == ["下周", "可以", "平台"]
    assert [m.mine for m in seen] == [True, False, False] and seen[2].author.endswith("（平台运营）")
    audit = session.exec(
        select(AuditEntry).where(AuditEntry.entity == "pairing", AuditEntry.action == "message")
    )
    assert len(list(audit)) == 3  # the thread is part of the pairing's record


def test_a_closed_pairing_is_read_only_to_the_parties(session: Session, w: dict[str, Any]) -> None:
    pairing = w["pairing"]
    _at(session, pairing, S.negotiating)
    thread.post(session=session, pairing=pairing, user=w["researcher"], body="报价单已发送")
    _at(session, pairing, S.closed)
    with pytest.raises(NotPermitted, match="只读"):
        thread.post(session=session, pairing=pairing, user=w["enterprise"], body="再议")
    assert len(thread.messages(session=session, pairing=pairing, viewer=w["enterprise"])) == 1


@pytest.mark.parametrize(
    ("body", "says"), [("   ", "请输入消息内容"), ("长" * 2001, "不超过 2000 字"), ("a\x07b", "控制字符")]
)
def test_bad_messages_are_refused_and_nothing_is_stored(
    session: Session, w: dict[str, Any], body: str, says: str
) -> None:
    _at(session, w["pairing"], S.approved)
    with pytest.raises(InvalidInput, match=says):
        thread.post(session=session, pairing=w["pairing"], user=w["enterprise"], body=body)
    assert thread.messages(session=session, pairing=w["pairing"], viewer=w["enterprise"]) == []


def test_pages_and_api(client: TestClient, session: Session, w: dict[str, Any]) -> None:
    pairing = w["pairing"]
    login(client, w["researcher"])
    page = _page(client, pairing)  # pending: no form, a note on when the thread opens
    assert page.select_one("#thread form") is None and "平台批准对接后" in page.select_one("#thread").text
    _at(session, pairing, S.approved)
    token = _page(client, pairing).select_one("#thread input[name=csrf_token]")["value"]
    sent = client.post(
        f"/pairings/{pairing.id}/messages",
        data={"csrf_token": token, "body": "样品已寄出"},
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"].endswith("#thread")
    too_long = "长" * 2001
    bad = client.post(f"/pairings/{pairing.id}/messages", data={"csrf_token": token, "body": too_long})
    assert bad.status_code == 422
    again = BeautifulSoup(bad.text, "html.parser")
    assert "不超过 2000 字" in again.select_one("#thread-error").text
    assert again.select_one("#thread-body").text == too_long  # the typed text is kept
    login(client, w["enterprise"])
    assert [m["body"] for m in client.get(f"/api/pairings/{pairing.id}/messages").json()] == ["样品已寄出"]
    made = client.post(f"/api/pairings/{pairing.id}/messages", json={"body": "收到，谢谢"})
    assert made.status_code == 201 and made.json()["mine"] is True
    assert client.post(f"/api/pairings/{pairing.id}/messages", json={"body": ""}).status_code == 422
    login(client, w["outsider"])  # not a party: the pairing does not exist for them
    assert client.get(f"/api/pairings/{pairing.id}/messages").status_code == 404
    assert client.post(f"/api/pairings/{pairing.id}/messages", json={"body": "hi"}).status_code == 404
