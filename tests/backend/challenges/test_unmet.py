"""未满足需求: a best match below 弱相关, or no interest for N days; counted by field and region."""

from datetime import timedelta

from sqlmodel import Session

from backend.challenges.unmet import unmet_needs
from backend.db import utcnow
from backend.pairings import service as pairings
from backend.postings.need_model import Need
from backend.vocab import Role
from tests.factories import make_need, make_result, make_user


def _aged(session: Session, need: Need, days: int) -> Need:
    need.published_at = utcnow() - timedelta(days=days)
    session.add(need)
    session.flush()
    return need


def test_weak_best_match_and_quiet_needs_are_unmet(session: Session) -> None:
    ent = make_user(session, Role.enterprise)
    weak = make_need(session, ent, title="无人能解的难题", region="甘肃省", field="aerospace")
    strong = make_need(session, ent, title="有强匹配的需求")
    quiet = _aged(session, make_need(session, ent, title="很久无人问津的需求", region="甘肃省"), 45)
    answered = _aged(session, make_need(session, ent, title="刚有人表达意向的老需求"), 45)
    researcher = make_user(session, Role.researcher)
    pairings.propose(
        session=session,
        need=answered,
        result=make_result(session, researcher),
        by=ent,
        score=60,
        explanation={},
    )
    scores = {weak.id: 12.0, strong.id: 85.0, quiet.id: 55.0, answered.id: 55.0}

    report = unmet_needs(session=session, days=30, best=lambda n: scores.get(n.id, 60.0))

    found = {u.need.id: u for u in report.needs}
    assert set(found) == {weak.id, quiet.id}
    assert found[weak.id].weak and not found[weak.id].quiet  # published today: not quiet yet
    assert found[weak.id].reasons == ["最佳匹配仅 12 分（不相关）"]
    assert found[quiet.id].quiet and found[quiet.id].reasons == ["从未有人表达意向"]
    assert report.needs[0].need.id == weak.id  # weakest first
    assert [(t.label, t.count) for t in report.by_region] == [("甘肃省", 2)]
    assert {t.label: t.count for t in report.by_field} == {"航空航天": 1, "生物与新医药": 1}


def test_band_edge_is_judged_on_the_shown_number(session: Session) -> None:
    ent = make_user(session, Role.enterprise)
    edge = make_need(session, ent)
    assert unmet_needs(session=session, best=lambda n: 29.5).needs == []  # shows as 30: 弱相关
    assert [u.need.id for u in unmet_needs(session=session, best=lambda n: 29.4).needs] == [edge.id]


def test_without_the_engine_only_quiet_needs_count(session: Session) -> None:
    ent = make_user(session, Role.enterprise)
    make_need(session, ent)
    old = _aged(session, make_need(session, ent), 40)
    report = unmet_needs(session=session, best=lambda n: None)
    assert [u.need.id for u in report.needs] == [old.id] and report.needs[0].best_score is None
