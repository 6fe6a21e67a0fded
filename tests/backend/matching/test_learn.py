"""`make learn`: the decision log as labelled pairs, and the base ranking kept when they are too few."""

from pathlib import Path

import pytest
from sqlmodel import Session

from backend.accounts.models import User
from backend.matching import learn as learn_module
from backend.pairings import service as pairings
from backend.pairings.decisions import decisions
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PairingStatus as S
from backend.vocab import Role
from embeddings.engine import MatchEngine
from embeddings.rerank import Reranker
from tests.factories import make_need, make_result, make_user

SUMMARIES = [
    "退役锂电池的快速分选、拆解回收与梯次利用，湿法回收锂钴镍等有价金属。",
    "陶瓷辊道窑烟气余热回收系统，换热后预热助燃空气，综合节能百分之十五。",
    "定点突变获得耐碱的重组蛋白A配基，偶联于琼脂糖微球，用于单抗亲和捕获。",
    "稻瘟病抗病基因的分子标记辅助选择育种，培育抗病高产的水稻新品种。",
    "焊接机器人视觉焊缝跟踪系统，激光结构光识别坡口，适应工件装配误差。",
]


def _pairing(session: Session, need: Need, result: Result, by: User | None) -> object:
    return pairings.propose(session=session, need=need, result=result, by=by, score=50.0, explanation={})


def _log(session: Session) -> dict[str, object]:
    """Five pairings of one need, each left at another point of the lifecycle."""
    enterprise, researcher = make_user(session, Role.enterprise), make_user(session, Role.researcher)
    operator = make_user(session, Role.operator)
    need = make_need(
        session,
        enterprise,
        title="电池回收",
        problem="每年产生大量退役锂电池，希望回收其中锂钴镍等有价金属，并做梯次利用。",
    )
    results = [make_result(session, researcher, title=s[:8], summary=s) for s in SUMMARIES]
    approved = _pairing(session, need, results[0], enterprise)
    pairings.transition(session=session, pairing=approved, user=operator, to=S.approved)  # type: ignore[arg-type]
    rejected = _pairing(session, need, results[1], enterprise)
    pairings.transition(session=session, pairing=rejected, user=operator, to=S.rejected, note="不相关")  # type: ignore[arg-type]
    withdrawn = _pairing(session, need, results[2], enterprise)
    pairings.transition(session=session, pairing=withdrawn, user=enterprise, to=S.closed, note="撤回意向")  # type: ignore[arg-type]
    _pairing(session, need, results[3], researcher)  # interest standing
    _pairing(session, need, results[4], None)  # an engine suggestion nobody reacted to
    session.commit()
    return {"need": need, "results": results}


def test_decisions_label_approvals_interest_rejections_and_withdrawals(session: Session) -> None:
    world = _log(session)
    results = world["results"]
    assert isinstance(results, list)
    labels = {d.result_id: d.label for d in decisions(session=session)}
    assert labels == {results[0].id: 1, results[1].id: 0, results[2].id: 0, results[3].id: 1}


@pytest.mark.slow
def test_too_few_decisions_keep_the_base_ranking_and_withdraw_an_old_model(
    session: Session, match_engine: MatchEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _log(session)
    stale = tmp_path / "reranker" / "learned.json"
    Reranker(features=("neighbourhood",), weights=(1.0,), centers=(0.0,)).save(stale)
    monkeypatch.setattr(learn_module, "learned_path", lambda: stale)
    assert learn_module.active_reranker() is not None
    report = learn_module.learn(session=session, engine=match_engine, found=decisions(session=session))
    assert report.decisions == 4  # every labelled pair is scored by the engine
    assert not report.active
    assert "决策记录不足" in report.reason
    assert not stale.exists()
    assert learn_module.active_reranker() is None
