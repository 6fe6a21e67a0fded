"""Helpers for the review desk tests: postings waiting for review, page parsing, notifications."""

from datetime import timedelta
from typing import Any

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.audit.models import AuditEntry
from backend.db import utcnow
from backend.notifications.models import Notification
from backend.postings import needs as needs
from backend.postings import results as results
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PostingStatus, Role
from tests.factories import make_need, make_result, make_user

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
