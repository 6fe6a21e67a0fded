"""The daily digest: one email per user with the day's hits, never naming a posting hidden since."""

import json
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from backend.accounts.models import User
from backend.db import utcnow
from backend.follow import digest, subscriptions
from backend.follow.digest import send_digests
from backend.follow.models import SubscriptionHit
from backend.follow.subscriptions import SubscriptionIn
from backend.notifications.mailer import outbox_path
from backend.vocab import Confidentiality, Role
from tests.factories import make_need, make_user

HIDDEN_TITLE = "后来转为保密的需求QX55"


def _mailed_to(user: User) -> list[dict[str, str]]:
    path = outbox_path()
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [m for m in map(json.loads, lines) if m["to"] == user.email]


def test_one_digest_per_user_of_the_days_hits_then_nothing_twice(session: Session) -> None:
    reader, other = make_user(session, Role.researcher), make_user(session, Role.researcher)
    for user in (reader, other):
        subscriptions.create(
            session=session, user=user, data=SubscriptionIn(side="need", field="biomedicine")
        )
    session.commit()
    enterprise = make_user(session, Role.enterprise)
    first = make_need(session, enterprise, title="第一项新需求：发酵染菌")
    second = make_need(session, enterprise, title="第二项新需求：菌种退化")
    hidden = make_need(session, enterprise, title=HIDDEN_TITLE)
    session.commit()
    hidden.confidentiality = Confidentiality.secret  # made 保密 before the digest went out
    session.add(hidden)
    assert send_digests(session=session) == 2
    session.commit()  # the emails leave after the commit
    [mail] = _mailed_to(reader)
    assert mail["subject"] == "【科创撮合】订阅提醒：2 项新发布"
    assert "第一项新需求：发酵染菌" in mail["body"] and "第二项新需求：菌种退化" in mail["body"]
    assert f"/needs/{first.id}" in mail["body"] and f"/needs/{second.id}" in mail["body"]
    assert HIDDEN_TITLE not in mail["body"]
    assert len(_mailed_to(other)) == 1
    unsent = session.exec(select(SubscriptionHit).where(SubscriptionHit.emailed_at == None)).all()  # noqa: E711
    assert unsent == []
    assert send_digests(session=session, now=utcnow() + timedelta(days=1)) == 0
    session.commit()
    assert len(_mailed_to(reader)) == 1


def test_no_email_when_every_hit_is_hidden_by_now(session: Session) -> None:
    reader = make_user(session, Role.researcher)
    subscriptions.create(session=session, user=reader, data=SubscriptionIn(side="need", field="biomedicine"))
    session.commit()
    need = make_need(session, make_user(session, Role.enterprise), title=HIDDEN_TITLE)
    session.commit()
    need.confidentiality = Confidentiality.secret
    session.add(need)
    assert send_digests(session=session) == 0
    session.commit()
    assert _mailed_to(reader) == []


def test_the_command_for_cron_runs_on_the_configured_database(capsys: pytest.CaptureFixture[str]) -> None:
    assert digest.main() == 0
    assert capsys.readouterr().out.strip() == "订阅摘要：已发送 0 封邮件"
