"""The writing assistant: hints from what the draft lacks, the other side's terms, the draft's strength."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.matching.assistant import draft_document, hints
from backend.vocab import Role
from embeddings.engine import MatchEngine
from embeddings.strength import display_score
from tests.factories import login, make_need, make_result, make_user

VAGUE = {"title": "发酵老染菌", "problem": "发酵罐老是染菌，批次差异大。"}
COMPLETE = {
    "title": "发酵罐批次差异大、容易染菌",
    "problem": "我们在 50 吨发酵罐生产线上做氨基酸发酵，夏季染菌率高达 8%，批次间产酸差异 15%，"
    "已试过加强灭菌和更换空气过滤器，效果有限，希望引进过程控制与杂菌早期预警技术。",
    "indicators": "染菌率低于 1%，批次产酸变异系数小于 5%",
    "keywords": "发酵、染菌、过程控制",
    "trl_wanted": "6",
    "budget_min": "50",
    "valid_until": "2027-06-30",
}


def _fields(found: list[Any]) -> list[str]:
    return [h.field for h in found]


def test_a_vague_need_is_told_what_it_lacks_and_a_complete_one_is_not() -> None:
    got = hints("need", VAGUE)
    assert _fields(got) == [
        "problem",
        "indicators",
        "problem",
        "keywords",
        "trl_wanted",
        "budget_min",
        "valid_until",
    ]
    assert "偏短" in got[0].text and "数字" in got[1].text and "应用场景" in got[2].text
    assert hints("need", COMPLETE) == []
    assert (
        _fields(hints("need", COMPLETE | {"budget_min": "", "budget_negotiable": "1"})) == []
    )  # 面议 counts


def test_a_result_draft_gets_its_own_hints() -> None:
    got = hints("result", {"title": "新型冻存保护剂", "summary": "一种冻存液。"})
    assert _fields(got) == ["summary", "advantages", "summary", "keywords", "trl", "price"]
    assert "成果简介偏短" in got[0].text and "技术优势" in got[1].text


SOLVER = {
    "title": "基于尾气质谱的发酵过程智能控制及杂菌早期预警系统",
    "summary": "通过尾气质谱在线检测发酵罐的氧耗与二氧化碳释放，结合软测量模型提前 6 小时预警染菌，"
    "已在 100 吨氨基酸发酵生产线应用，染菌批次减少 70%。",
    "keywords": ["尾气质谱", "软测量", "杂菌预警"],
}
UNRELATED = {
    "title": "高比能钠离子电池正极材料",
    "summary": "层状氧化物正极材料，比容量 160 mAh/g，循环 2000 次容量保持率 85%，用于储能电站。",
    "field": "new_energy",
    "keywords": ["钠离子电池", "正极材料"],
}


@pytest.mark.slow
def test_the_api_suggests_the_other_sides_words_and_scores_the_draft_as_the_preview_does(
    client: TestClient, session: Session, match_engine: MatchEngine
) -> None:
    enterprise, researcher = make_user(session, Role.enterprise), make_user(session, Role.researcher)
    solver = make_result(session, researcher, **SOLVER)
    make_result(session, researcher, **UNRELATED)
    session.commit()
    login(client, enterprise)
    advice = client.post("/api/assistant/need", json=VAGUE).json()
    assert advice["engine_on"] and advice["strength"]["url"] == f"/results/{solver.id}"
    terms = [t["term"] for t in advice["terms"]]
    assert "尾气质谱" in terms and "钠离子电池" not in terms  # only from postings that match at least weakly
    assert "problem" in [h["field"] for h in advice["hints"]]
    # The strength is the engine's score of the draft, shown as everywhere else.
    draft = client.post("/api/assistant/need", json=VAGUE | {"keywords": "、".join(terms[:3])}).json()
    preview = match_engine.match_need(
        need=draft_document("need", VAGUE | {"keywords": "、".join(terms[:3])}), k=1
    )[0]
    assert draft["strength"]["score"] == display_score(preview.score)
    # Adding the suggested words raises the draft's match with the solver.
    assert draft["strength"]["score"] > advice["strength"]["score"]


@pytest.mark.slow
def test_a_secret_needs_words_never_reach_a_researchers_draft(
    client: TestClient, session: Session, match_engine: MatchEngine
) -> None:
    enterprise, researcher = make_user(session, Role.enterprise), make_user(session, Role.researcher)
    make_need(
        session,
        enterprise,
        title="发酵罐染菌预警",
        problem="氨基酸发酵罐染菌频繁，希望在线预警杂菌污染，降低染菌率到 1% 以下。",
        keywords=["机密工艺代号X7", "染菌预警"],
        confidentiality="secret",
    )
    session.commit()
    login(client, researcher)
    advice = client.post(
        "/api/assistant/result", json={"title": SOLVER["title"], "summary": SOLVER["summary"]}
    )
    assert advice.status_code == 200
    body = advice.text
    assert "机密工艺代号X7" not in body and "发酵罐染菌预警" not in body
    assert advice.json()["strength"] is None  # the only matching need is one the researcher may not see


def test_the_assistant_needs_a_signed_in_user_and_bounded_input(client: TestClient, session: Session) -> None:
    assert client.post("/api/assistant/need", json=VAGUE).status_code == 401
    login(client, make_user(session, Role.enterprise))
    assert client.post("/api/assistant/need", json={"problem": "长" * 4001}).status_code == 422
    assert client.post("/api/assistant/other", json=VAGUE).status_code == 422
    off = client.post("/api/assistant/need", json=VAGUE).json()  # no engine in this test
    assert off["engine_on"] is False and off["strength"] is None and off["hints"]
