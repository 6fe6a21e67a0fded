"""With the real engine: a challenge's likely solvers, the one-click invitation (in-app and by
email through the outbox), and a need nothing answers counted as unmet."""

import json

import pytest
from sqlmodel import Session, select

from backend.challenges import invites
from backend.challenges.unmet import unmet_needs
from backend.config import get_settings
from backend.matching.lifecycle import listed_documents
from backend.notifications import mailer
from backend.notifications.models import Notification
from backend.vocab import Role
from embeddings.engine import MatchEngine
from tests.backend.challenges.helpers import make_cast, published
from tests.factories import make_need, make_result, make_user

pytestmark = pytest.mark.slow


def _index(session: Session, engine: MatchEngine) -> None:
    needs, results = listed_documents(session)
    engine.sync(side="need", docs=needs)
    engine.sync(side="result", docs=results)


def test_the_solver_is_suggested_first_and_invited_in_one_click(
    session: Session, match_engine: MatchEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    cast = make_cast(session)
    make_result(
        session,
        make_user(session, Role.researcher),
        title="高速列车转向架轴承故障诊断",
        summary="基于振动信号与深度学习的高速列车转向架轴承早期故障诊断方法，准确率 97%。",
        field="advanced_manufacturing",
        keywords=["轴承", "故障诊断"],
    )
    challenge = published(session, cast)
    _index(session, match_engine)

    found = invites.candidates(session=session, challenge=challenge)
    assert found is not None and {c.result.id for c in found[:2]} == {cast.result.id, cast.result2.id}
    assert found[0].score > found[-1].score and not found[0].invited

    monkeypatch.setattr(get_settings(), "smtp_host", "")
    outbox = mailer.outbox_path()
    before = outbox.read_text(encoding="utf-8").splitlines() if outbox.exists() else []
    first = found[0]
    invites.invite(
        session=session,
        challenge=challenge,
        result_id=first.result.id or 0,
        operator=cast.operator,
        score=first.score,
    )
    session.commit()
    told = session.exec(select(Notification).where(Notification.user_id == first.owner.id)).all()
    assert [n.title for n in told if n.kind == "challenge_invited"] == [f"平台邀请您揭榜：{challenge.title}"]
    mails = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()[len(before) :]]
    invitations = [m for m in mails if "平台邀请您揭榜" in m["subject"]]
    assert [m["to"] for m in invitations] == [first.owner.email]
    assert f"/challenges/{challenge.id}" in invitations[0]["body"]
    assert invites.candidates(session=session, challenge=challenge)[0].invited  # type: ignore[index]


def test_a_need_nothing_answers_is_unmet_by_its_best_score(
    session: Session, match_engine: MatchEngine
) -> None:
    cast = make_cast(session)
    lonely = make_need(
        session,
        cast.enterprise,
        title="老宅木梁白蚁蛀空，想找根治办法",
        problem="我们是做老宅民宿的，木结构老房子的梁柱被白蚁蛀空，喷药只能管一阵子，想找能根治又不伤木头的办法。",
        indicators="白蚁复发率低于 5%",
        keywords=["白蚁", "木结构"],
    )
    _index(session, match_engine)
    report = unmet_needs(session=session)
    assert report.judged_by_engine
    found = {u.need.id: u for u in report.needs}
    assert lonely.id in found and found[lonely.id].weak
    assert cast.need.id not in found  # the fermentation need has its solver on the platform
