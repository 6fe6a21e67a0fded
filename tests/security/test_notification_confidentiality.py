"""Every notification and email of every pairing path, for every recipient, names a 保密 need only
to those who may open it (issue 13, finding 1).

Paths: an operator's proposal, a party's interest from either side, the other side's confirmation,
each operator decision (approve, reject, close, negotiate, sign), a party's withdrawal and 洽谈中,
and the review decisions on the need itself. After each step every new notification and every
email is checked against its recipient: MARKER (in the secret need's title) may reach only the
need's enterprise, operators, and the result side once a pairing is approved.
"""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.notifications import mailer
from backend.notifications.models import Notification
from backend.pairings.models import Pairing
from backend.postings import needs
from backend.postings.display import SECRET_NEED, posting_label
from tests.factories import make_result
from tests.security.world import MARKER, World


class Outbox:
    """Every email handed to the mailer, and every notification row already checked."""

    def __init__(self) -> None:
        self.mails: list[tuple[str, str, str]] = []
        self.checked_mail = 0
        self.checked_note = 0
        self.seen: list[str] = []  # what each recipient was told, for the positive controls


@pytest.fixture
def outbox(monkeypatch: pytest.MonkeyPatch) -> Outbox:
    box = Outbox()
    monkeypatch.setattr(mailer, "send", lambda *, to, subject, body: box.mails.append((to, subject, body)))
    return box


def _check(session: Session, world: World, box: Outbox, step: str) -> list[str]:
    """Leaks in what was sent since the last check, each as 'step: recipient got text'."""
    need = world.need_sec
    session.expire_all()
    leaks: list[str] = []
    new = session.exec(select(Notification).where(col(Notification.id) > box.checked_note)).all()
    for note in new:
        user = session.get(User, note.user_id)
        text = f"{note.title} {note.body}"
        box.seen.append(text)
        if MARKER in text and not needs.is_insider(session=session, need=need, user=user):
            leaks.append(f"{step}: notification to {user.email if user else '?'}: {note.title}")
    box.checked_note = max([box.checked_note] + [n.id or 0 for n in new])
    for to, subject, body in box.mails[box.checked_mail :]:
        user = session.exec(select(User).where(User.email == to)).one()
        if MARKER in subject + body and not needs.is_insider(session=session, need=need, user=user):
            leaks.append(f"{step}: email to {to}: {subject}")
    box.checked_mail = len(box.mails)
    return leaks


def _as(client: TestClient, world: World, role: str) -> None:
    world.sign_in(client, role)
    client.headers["X-CSRF-Token"] = world.csrf[role] if role != "anonymous" else ""


def _decide(client: TestClient, world: World, pairing_id: int, to: str, **extra: Any) -> None:
    _as(client, world, "operator")
    version = client.get(f"/api/pairings/{pairing_id}").json()["version"]
    answer = client.post(
        f"/api/ops/pairings/{pairing_id}/decision", json={"to": to, "version": version} | extra
    )
    assert answer.status_code == 200, answer.text


def _interest(client: TestClient, world: World, role: str, need_id: int, result_id: int) -> dict[str, Any]:
    _as(client, world, role)
    answer = client.post("/api/pairings/interest", json={"need_id": need_id, "result_id": result_id})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_no_pairing_notification_or_email_names_a_secret_need_to_an_outsider(
    access_client: TestClient, world: World, outbox: Outbox
) -> None:
    client, s, sec = access_client, world.session, world.need_sec.id
    leaks: list[str] = []
    third = make_result(s, world.users["researcher"], title="第三项成果：叶片涂层检测")
    s.commit()

    # 1. An operator proposes need_sec × result; the researcher's side answers, the enterprise
    #    confirms, the operator rejects.
    _as(client, world, "operator")
    made = client.post("/api/ops/pairings", json={"need_id": sec, "result_id": world.result.id})
    assert made.status_code == 201, made.text
    first = made.json()["id"]
    leaks += _check(s, world, outbox, "operator proposes")
    _interest(client, world, "researcher", sec, world.result.id)
    leaks += _check(s, world, outbox, "researcher interested")
    _interest(client, world, "enterprise", sec, world.result.id)
    leaks += _check(s, world, outbox, "enterprise confirms")
    _decide(client, world, first, "rejected", note="暂不合适")
    leaks += _check(s, world, outbox, "operator rejects")

    # 2. The enterprise asks about result2 (proposed by an operator in the world), researcher2
    #    confirms; the operator approves, the parties negotiate, the operator records the deal.
    _interest(client, world, "enterprise", sec, world.result2.id)
    leaks += _check(s, world, outbox, "enterprise interested")
    _interest(client, world, "researcher2", sec, world.result2.id)
    leaks += _check(s, world, outbox, "researcher2 confirms")
    _decide(client, world, world.pairing_secret.id, "approved")
    leaks += _check(s, world, outbox, "operator approves")
    _as(client, world, "enterprise")
    version = client.get(f"/api/pairings/{world.pairing_secret.id}").json()["version"]
    client.post(
        f"/pairings/{world.pairing_secret.id}/negotiate",
        data={"version": version, "csrf_token": world.csrf["enterprise"]},
    )
    leaks += _check(s, world, outbox, "enterprise negotiates")
    _decide(
        client,
        world,
        world.pairing_secret.id,
        "signed",
        contract_amount=12.5,
        signed_on="2026-01-05",
    )
    leaks += _check(s, world, outbox, "operator signs")

    # 3. A researcher asks about the third result (no pairing yet: hidden need, 404 — see
    #    test_interest_in_a_hidden_need_answers_as_a_missing_one); the operator proposes it, then the
    #    enterprise withdraws; another proposal is closed by the operator.
    _as(client, world, "operator")
    made = client.post("/api/ops/pairings", json={"need_id": sec, "result_id": third.id})
    assert made.status_code == 201, made.text
    leaks += _check(s, world, outbox, "operator proposes again")
    _interest(client, world, "researcher", sec, third.id)
    leaks += _check(s, world, outbox, "researcher interested again")
    _as(client, world, "enterprise")
    pairing = s.get(Pairing, made.json()["id"])
    assert pairing is not None
    s.refresh(pairing)
    client.post(
        f"/pairings/{pairing.id}/withdraw",
        data={"note": "另有安排", "version": pairing.version, "csrf_token": world.csrf["enterprise"]},
    )
    leaks += _check(s, world, outbox, "enterprise withdraws")

    assert leaks == []
    # Positive controls: the steps really produced notices and emails, and the outsiders' ones
    # name the need in the agreed words.
    assert len(outbox.mails) >= 10
    assert any(SECRET_NEED in text for text in outbox.seen)
    assert any(MARKER in text for text in outbox.seen)  # insiders are still told the title


def test_posting_label_renders_per_viewer(session: Session, world: World) -> None:
    sec = world.need_sec
    assert posting_label(session=session, posting=sec, viewer=world.users["researcher"]) == SECRET_NEED
    assert posting_label(session=session, posting=sec, viewer=None) == SECRET_NEED
    assert MARKER in posting_label(session=session, posting=sec, viewer=world.users["enterprise"])
    assert MARKER in posting_label(session=session, posting=sec, viewer=world.users["operator"])
    assert posting_label(session=session, posting=world.result, viewer=None) == f"“{world.result.title}”"
