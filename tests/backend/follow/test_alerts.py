"""Subscription alerts: a newly published posting that matches notifies at once, in-app only;
a posting the subscriber may not see (保密), one of their own, or an older one never does."""

import json

import pytest
from sqlmodel import Session, select

from backend.accounts.models import User
from backend.follow import subscriptions
from backend.follow.alerts import fire
from backend.follow.models import SubscriptionHit
from backend.follow.subscriptions import SubscriptionIn
from backend.notifications.mailer import outbox_path
from backend.notifications.models import Notification
from backend.postings.changes import mark_changed
from backend.vocab import Role
from embeddings.engine import MatchEngine
from tests.backend.affinity import SOLVER, make_affinity_need, make_solver
from tests.factories import make_need, make_result, make_user

SECRET_TITLE = "保密课题：单抗纯化填料替代QX17"
UNRELATED = {
    "title": "盐碱地水稻耐逆品种选育",
    "summary": "通过分子标记辅助选择培育耐盐碱水稻新品种，在滨海盐碱地亩产提高 15%，已在多地示范种植。",
    "keywords": ["水稻", "耐盐碱"],
    "field": "modern_agriculture",
}


def _notes(session: Session, user: User) -> list[Notification]:
    stmt = select(Notification).where(Notification.user_id == user.id, Notification.kind == "subscription")
    return list(session.exec(stmt).all())


def _hits(session: Session, user: User) -> list[SubscriptionHit]:
    return list(session.exec(select(SubscriptionHit).where(SubscriptionHit.user_id == user.id)).all())


def _mailed_to(user: User) -> list[dict[str, str]]:
    path = outbox_path()
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [m for m in map(json.loads, lines) if m["to"] == user.email]


def _subscribe(session: Session, user: User, **fields: object) -> None:
    subscriptions.create(session=session, user=user, data=SubscriptionIn.model_validate(fields))
    session.commit()


def test_a_field_subscription_fires_for_a_new_visible_posting_only(session: Session) -> None:
    researcher = make_user(session, Role.researcher)
    _subscribe(session, researcher, side="need", field="biomedicine")
    enterprise = make_user(session, Role.enterprise)
    public = make_need(session, enterprise, title="公开的生物医药需求：发酵染菌")
    make_need(session, enterprise, title=SECRET_TITLE, confidentiality="secret")
    make_need(session, enterprise, title="别的领域", field="new_materials")
    make_need(session, enterprise, publish=False, title="还是草稿")
    session.commit()  # the after-commit follower sees what was published
    [note] = _notes(session, researcher)
    assert (
        note.title == "订阅提醒：新需求“公开的生物医药需求：发酵染菌”" and note.link == f"/needs/{public.id}"
    )
    assert note.read_at is None and "领域：生物与新医药" in note.body
    assert [h.posting_id for h in _hits(session, researcher)] == [public.id]
    assert _mailed_to(researcher) == []  # the email waits for the day's digest
    assert SECRET_TITLE not in json.dumps([n.title + n.body for n in _notes(session, researcher)])


def test_each_posting_is_announced_once_and_never_to_its_own_organisation(session: Session) -> None:
    enterprise = make_user(session, Role.enterprise)
    colleague = make_user(session, Role.enterprise, organisation_id=enterprise.organisation_id)
    _subscribe(session, colleague, side="need", region="湖北省")
    _subscribe(session, colleague, side="need", field="biomedicine")
    outsider = make_user(session, Role.researcher)
    _subscribe(session, outsider, side="need", region="湖北省")
    _subscribe(session, outsider, side="need", field="biomedicine")
    need = make_need(session, enterprise)
    session.commit()
    assert _notes(session, colleague) == []
    assert len(_notes(session, outsider)) == 1 and len(_hits(session, outsider)) == 2  # one note, two hits
    need.title = "改过的标题：发酵罐染菌"
    session.add(need)
    mark_changed(session=session, side="need", item_id=need.id or 0)
    session.commit()
    assert len(_notes(session, outsider)) == 1  # an edit is not a new posting for the same subscription


def test_a_posting_published_before_the_subscription_is_not_announced(session: Session) -> None:
    old = make_need(session, make_user(session, Role.enterprise))
    session.commit()
    researcher = make_user(session, Role.researcher)
    _subscribe(session, researcher, side="need", field="biomedicine")
    mark_changed(session=session, side="need", item_id=old.id or 0)  # an edit of the old listing
    session.commit()
    assert _hits(session, researcher) == [] and _notes(session, researcher) == []
    assert fire(session=session, side="need", posting_id=old.id or 0) == []
    assert fire(session=session, side="need", posting_id=10**9) == []


@pytest.mark.slow
def test_own_need_subscription_fires_for_a_matching_result_at_the_chosen_strength(
    session: Session, match_engine: MatchEngine
) -> None:
    enterprise = make_user(session, Role.enterprise)
    need = make_affinity_need(session, enterprise)
    session.commit()
    _subscribe(session, enterprise, own_side="need", own_id=need.id, min_band="weak")
    researcher = make_user(session, Role.researcher)
    solver = make_solver(session, researcher)
    make_result(session, researcher, **UNRELATED)
    session.commit()
    [hit] = _hits(session, enterprise)
    assert hit.posting_id == solver.id and hit.score is not None
    expected = match_engine.score_pair(need=need.id or 0, result=solver.id or 0).score
    assert hit.score == expected  # the pair's one score, as every other page shows it
    [note] = _notes(session, enterprise)
    assert note.title == f"订阅提醒：新成果“{SOLVER['title']}”" and note.link == f"/results/{solver.id}"
    assert "匹配度" in note.body and "本单位需求" in note.body


@pytest.mark.slow
def test_text_subscription_uses_the_search_score_and_never_announces_a_secret_need(
    session: Session, match_engine: MatchEngine
) -> None:
    researcher = make_user(session, Role.researcher)
    _subscribe(session, researcher, side="need", query="亲和层析填料 单抗纯化", min_band="weak")
    enterprise = make_user(session, Role.enterprise)
    make_affinity_need(session, enterprise, title=SECRET_TITLE, confidentiality="secret")
    session.commit()
    assert _hits(session, researcher) == [] and _notes(session, researcher) == []
    public = make_affinity_need(session, enterprise)
    session.commit()
    [hit] = _hits(session, researcher)
    assert hit.posting_id == public.id
    searched = {h.id: h.score for h in match_engine.search(text="亲和层析填料 单抗纯化", side="need", k=50)}
    assert hit.score == searched[public.id or 0]
    assert all(SECRET_TITLE not in n.title + n.body for n in _notes(session, researcher))


@pytest.mark.slow
def test_a_strong_only_subscription_ignores_a_weak_match(session: Session, match_engine: MatchEngine) -> None:
    enterprise = make_user(session, Role.enterprise)
    need = make_affinity_need(session, enterprise)
    session.commit()
    _subscribe(session, enterprise, own_side="need", own_id=need.id, min_band="strong")
    make_result(session, make_user(session, Role.researcher), **UNRELATED)
    session.commit()
    assert _hits(session, enterprise) == [] and _notes(session, enterprise) == []
