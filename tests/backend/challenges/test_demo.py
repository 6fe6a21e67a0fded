"""Demo 揭榜挂帅: one challenge at each stage, through the real services."""

from sqlmodel import Session, select

from backend.challenges.models import Challenge, ChallengeStatus
from backend.challenges.views import phase
from backend.demo.challenges import STAGES, create_demo_challenges
from backend.vocab import Role
from tests.factories import make_need, make_result, make_user


def test_demo_challenges_cover_every_stage(session: Session) -> None:
    operator = make_user(session, Role.operator)
    solves: list[tuple[int, int]] = []
    for i in range(len(STAGES)):
        need = make_need(session, make_user(session, Role.enterprise), title=f"演示需求{i}：膜材料国产替代")
        result = make_result(session, make_user(session, Role.researcher), title=f"演示成果{i}：细胞培养膜")
        solves.append((need.id or 0, result.id or 0))
    assert create_demo_challenges(session, solves=solves, operator=operator) == len(STAGES)
    rows = list(session.exec(select(Challenge).order_by(Challenge.id)))  # type: ignore[arg-type]
    assert [phase(c) for c in rows] == ["揭榜中", "已挂帅", "已关闭", "已截止 · 评审中", "揭榜中", "草稿"]
    assert rows[4].visibility == "secret"
    assert {ChallengeStatus(c.status) for c in rows} == set(ChallengeStatus)
    closed, scored = rows[2], rows[0]
    assert closed.published_at and scored.published_at and closed.published_at < scored.published_at
