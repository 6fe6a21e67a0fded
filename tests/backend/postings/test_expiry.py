"""Expiry of needs: the reminder 7 days before (once), expired needs leave lists, renewal in one click."""

from datetime import date, timedelta

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from backend.audit.models import AuditEntry
from backend.db import utcnow
from backend.notifications.models import Notification
from backend.postings import expiry
from backend.postings.need_model import Need
from backend.vocab import PostingStatus, Role
from tests.factories import login, make_need, make_user


def _ends_in(session: Session, need: Need, days: int) -> None:
    need.valid_until = utcnow().date() + timedelta(days=days)
    session.add(need)
    session.flush()


def _reminders(session: Session, need: Need) -> list[Notification]:
    stmt = select(Notification).where(
        Notification.kind == "posting_expiring", Notification.link == f"/needs/{need.id}"
    )
    return list(session.exec(stmt))


def test_the_owner_is_reminded_once_a_week_before_the_end(session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    soon = make_need(session, owner, title="七天内到期的需求")
    later = make_need(session, owner, title="还早的需求")
    gone = make_need(session, owner, title="已到期的需求")
    _ends_in(session, soon, 7)
    _ends_in(session, later, 8)
    _ends_in(session, gone, 0)
    assert expiry.remind_expiring(session=session) == 1
    [note] = _reminders(session, soon)
    assert note.user_id == owner.id
    assert f"将于 {soon.valid_until} 到期（还有 7 天）" in note.title and "续期" in note.body
    assert _reminders(session, later) == [] and _reminders(session, gone) == []
    # The daily run again: nothing new. The day after, only the need that came within the week.
    assert expiry.remind_expiring(session=session) == 0
    assert expiry.remind_expiring(session=session, on=utcnow().date() + timedelta(days=1)) == 1
    assert len(_reminders(session, soon)) == 1 and len(_reminders(session, later)) == 1
    # A new date (renewed, or edited) is reminded again when it comes near.
    _ends_in(session, soon, 6)
    assert expiry.remind_expiring(session=session) == 1
    assert len(_reminders(session, soon)) == 2


def test_drafts_and_closed_needs_are_not_reminded(session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    draft = make_need(session, owner, publish=False)
    _ends_in(session, draft, 3)
    assert expiry.remind_expiring(session=session) == 0


def test_an_expired_need_leaves_lists_and_its_page_for_outsiders_but_not_for_its_owner(
    client: TestClient, session: Session
) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner, title="到期后应下线的需求")
    _ends_in(session, need, 0)
    session.commit()
    listed = client.get("/api/needs").json()
    assert need.id not in [n["id"] for n in listed["items"]]
    assert client.get(f"/api/needs/{need.id}").status_code == 404
    assert "到期后应下线的需求" not in client.get("/needs").text
    login(client, owner)
    assert client.get(f"/api/needs/{need.id}").status_code == 200
    page = BeautifulSoup(client.get(f"/needs/{need.id}").text, "html.parser")
    banner = page.select_one(".renewal")
    assert banner is not None and "已于" in banner.get_text() and "无需再次审核" in banner.get_text()


def test_renewal_in_one_click_puts_an_expired_need_back_without_review(
    client: TestClient, session: Session
) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner, title="续期后重新上线的需求")
    _ends_in(session, need, -3)
    version = need.version
    session.commit()
    login(client, owner)
    page = BeautifulSoup(client.get(f"/needs/{need.id}").text, "html.parser")
    form = page.select_one(f"form[action='/needs/{need.id}/renew']")
    assert form is not None
    token = form.select_one("input[name=csrf_token]")
    assert token is not None
    answer = client.post(
        f"/needs/{need.id}/renew", data={"csrf_token": token["value"], "days": "180"}, follow_redirects=True
    )
    assert "已续期" in answer.text and "需求继续展示并参与匹配" in answer.text
    session.expire_all()
    renewed = session.get(Need, need.id)
    assert renewed is not None
    assert renewed.valid_until == utcnow().date() + timedelta(days=180)  # from today, not the old end
    assert renewed.status == PostingStatus.published and renewed.version == version
    audit = session.exec(
        select(AuditEntry).where(AuditEntry.action == "renew", AuditEntry.entity_id == need.id)
    ).one()
    assert audit.actor_id == owner.id and "续期 180 天" in audit.summary
    client.cookies.clear()
    assert need.id in [n["id"] for n in client.get("/api/needs").json()["items"]]


def test_renewal_defaults_to_the_period_first_posted_and_extends_from_the_old_end(
    client: TestClient, session: Session
) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner)  # posted for 90 days
    _ends_in(session, need, 4)
    session.commit()
    login(client, owner)
    answer = client.post(f"/api/needs/{need.id}/renew", json={})
    assert answer.status_code == 200, answer.text
    assert date.fromisoformat(answer.json()["valid_until"]) == utcnow().date() + timedelta(days=94)
    # Now far from its end: no second renewal yet.
    again = client.post(f"/api/needs/{need.id}/renew", json={"days": 90})
    assert again.status_code == 409 and "30 天内" in again.json()["error"]


def test_only_the_owner_renews_and_only_a_published_need_by_90_or_180_days(
    client: TestClient, session: Session
) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner)
    draft = make_need(session, owner, publish=False)
    _ends_in(session, need, 4)
    _ends_in(session, draft, 4)
    other = make_user(session, Role.enterprise)
    operator = make_user(session, Role.operator)
    session.commit()
    for outsider in (other, operator):
        login(client, outsider)
        assert client.post(f"/api/needs/{need.id}/renew", json={}).status_code == 403
    login(client, owner)
    odd = client.post(f"/api/needs/{need.id}/renew", json={"days": 30})
    assert odd.status_code == 422
    assert client.post(f"/api/needs/{draft.id}/renew", json={}).status_code == 409
    actions = session.exec(select(AuditEntry.action).where(col(AuditEntry.entity_id) == need.id)).all()
    assert "renew" not in actions
