"""The app keeps the index in line with every write, and shows matches per viewer (real model)."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.matching.lifecycle import listed_documents
from backend.vocab import Role
from embeddings.engine import MatchEngine
from tests.factories import login, make_need, make_result, make_user, need_data, result_data

pytestmark = pytest.mark.slow

NEED = {
    "title": "单抗纯化填料想找国产替代",
    "problem": "我们做单抗药，下游纯化第一步的亲和填料一直用进口的，太贵还老断货，想找国内能做的团队。",
    "indicators": "载量不低于进口产品，能耐碱清洗",
    "keywords": ["纯化", "填料"],
    "field": "biomedicine",
}
SOLVER = {
    "title": "碱稳定型重组蛋白A配基及高载量亲和层析介质",
    "summary": "通过定点突变获得耐碱的重组Protein A配基，偶联于高交联琼脂糖微球，动态载量达 60 mg/mL，"
    "0.5 M NaOH 在位清洗 200 次后载量保持 90% 以上，可用于单克隆抗体的亲和捕获。",
    "keywords": ["Protein A", "亲和层析"],
    "field": "biomedicine",
}
OTHERS = [
    {
        "title": "高比能钠离子电池正极材料",
        "summary": "层状氧化物正极材料，比容量 160 mAh/g，循环 2000 次容量保持率 85%，"
        "适用于储能电站和低速电动车。",
        "field": "new_energy",
        "keywords": ["钠离子电池"],
    },
    {
        "title": "小麦抗赤霉病分子标记辅助育种技术",
        "summary": "开发与抗赤霉病主效基因紧密连锁的 KASP 分子标记，实现苗期快速筛选，育种周期缩短 2 年。",
        "field": "modern_agriculture",
        "keywords": ["分子标记"],
    },
]


def _setup(session: Session) -> dict:
    enterprise = make_user(session, Role.enterprise)
    researcher = make_user(session, Role.researcher)
    need = make_need(session, enterprise, **NEED)
    solver = make_result(session, researcher, **SOLVER)
    others = [make_result(session, researcher, **o) for o in OTHERS]
    session.commit()
    operator = make_user(session, Role.operator)
    session.commit()
    return {
        "enterprise": enterprise,
        "researcher": researcher,
        "need": need,
        "solver": solver,
        "others": others,
        "operator": operator,
    }


def _ranked_ids(client: TestClient, need_id: int) -> list[int]:
    response = client.get(f"/api/needs/{need_id}/matches?k=10")
    assert response.status_code == 200, response.text
    return [m["result"]["id"] for m in response.json()]


def test_published_postings_are_matched_with_reasons(
    client: TestClient, session: Session, match_engine: MatchEngine
) -> None:
    s = _setup(session)
    response = client.get(f"/api/needs/{s['need'].id}/matches")
    body = response.json()
    assert body[0]["result"]["id"] == s["solver"].id
    top = body[0]
    assert 0 <= top["score"] <= 100 and top["score"] > body[-1]["score"]
    assert top["reasons_for"] and top["need_sentence"] and top["result_sentence"]
    assert top["result"]["contact_phone"] is None  # contacts wait for an approved pairing
    back = client.get(f"/api/results/{s['solver'].id}/matches").json()
    assert back[0]["need"]["id"] == s["need"].id


def test_every_kind_of_write_reaches_the_index(
    client: TestClient, session: Session, match_engine: MatchEngine
) -> None:
    s = _setup(session)
    login(client, s["researcher"])
    draft = client.post(
        "/api/results", json=result_data(**(SOLVER | {"title": "耐碱亲和层析介质（草稿）"}))
    ).json()
    assert draft["id"] not in _ranked_ids(client, s["need"].id)  # drafts are not matched
    assert client.post(f"/api/results/{draft['id']}/publish").json()["status"] == "pending"
    assert draft["id"] not in _ranked_ids(client, s["need"].id)  # waiting for review: not matched yet
    login(client, s["operator"])
    seen = {"version": client.get(f"/api/results/{draft['id']}").json()["version"]}
    assert client.post(f"/api/ops/reviews/result/{draft['id']}/approve", json=seen).status_code == 200
    assert draft["id"] in _ranked_ids(client, s["need"].id)
    login(client, s["researcher"])
    # An edit that turns the text into another topic moves it down the ranking.
    edited = {
        "title": "果蔬气调保鲜包装膜",
        "summary": "一种可降解的气调保鲜包装膜，调节包装内氧气和二氧化碳浓度，延长草莓货架期 5 天。",
        "keywords": ["保鲜"],
        "field": "modern_agriculture",
    }
    # The owner's edit of a listed result sends it back to review: it leaves matching until approved.
    assert client.patch(f"/api/results/{draft['id']}", json=edited).json()["status"] == "pending"
    assert draft["id"] not in _ranked_ids(client, s["need"].id)
    login(client, s["operator"])
    seen = {"version": client.get(f"/api/results/{draft['id']}").json()["version"]}
    assert client.post(f"/api/ops/reviews/result/{draft['id']}/approve", json=seen).status_code == 200
    assert _ranked_ids(client, s["need"].id).index(draft["id"]) > 0
    # A rejected edit changes nothing in the index either.
    assert client.patch(f"/api/results/{draft['id']}", json={"title": ""}).status_code == 422
    assert match_engine.document(side="result", doc_id=draft["id"]).title == "果蔬气调保鲜包装膜"
    login(client, s["researcher"])
    assert client.post(f"/api/results/{s['solver'].id}/close").status_code == 200
    assert s["solver"].id not in _ranked_ids(client, s["need"].id)
    assert client.delete(f"/api/results/{draft['id']}").status_code == 204
    assert draft["id"] not in _ranked_ids(client, s["need"].id)
    assert match_engine.count(side="result") == len(OTHERS)


def test_secret_need_is_matched_but_shown_only_to_insiders(
    client: TestClient, session: Session, match_engine: MatchEngine
) -> None:
    s = _setup(session)
    secret = make_need(
        session, s["enterprise"], **(NEED | {"confidentiality": "secret", "title": "保密：亲和填料国产化"})
    )
    session.commit()
    stranger = make_user(session, Role.researcher)
    operator = make_user(session, Role.operator)
    login(client, stranger)
    seen = [m["need"]["id"] for m in client.get(f"/api/results/{s['solver'].id}/matches").json()]
    assert secret.id not in seen and s["need"].id in seen
    search = client.get("/api/search", params={"q": "亲和填料国产化", "side": "need"}).json()
    assert secret.id not in [h["id"] for h in search]
    login(client, operator)
    seen = [m["need"]["id"] for m in client.get(f"/api/results/{s['solver'].id}/matches").json()]
    assert secret.id in seen


def test_restart_with_corrupt_index_files_serves_correct_results(
    session: Session, real_encoder, tmp_path: Path
) -> None:
    s = _setup(session)
    needs, results = listed_documents(session)
    first = MatchEngine(encoder=real_encoder, index_dir=tmp_path)
    first.sync(side="need", docs=needs)
    first.sync(side="result", docs=results)
    files = [p for p in tmp_path.iterdir() if p.is_file()]
    assert files
    for path in files:
        path.write_bytes(b"\x00garbage" * 7)
    restarted = MatchEngine(encoder=real_encoder, index_dir=tmp_path)
    restarted.sync(side="need", docs=needs)
    restarted.sync(side="result", docs=results)
    assert restarted.match_need(need=s["need"].id, k=1)[0].id == s["solver"].id
    # and a second restart finds the rebuilt files valid: nothing is re-encoded
    again = MatchEngine(encoder=real_encoder, index_dir=tmp_path)
    assert again.sync(side="result", docs=results).encoded == 0


def test_matches_are_refused_clearly_when_matching_is_off(client: TestClient, session: Session) -> None:
    s = _setup(session)
    response = client.get(f"/api/needs/{s['need'].id}/matches")
    assert response.status_code == 409
    assert response.json()["error"] == "匹配引擎未启用"


def test_draft_need_preview_is_matched_without_being_indexed(
    session: Session, match_engine: MatchEngine
) -> None:
    from backend.matching.service import results_for_need

    s = _setup(session)
    draft = make_need(session, s["enterprise"], publish=False, **need_data(**NEED))
    session.commit()
    assert match_engine.document(side="need", doc_id=draft.id) is None
    hits = results_for_need(session=session, need=draft, user=s["enterprise"], k=3)
    assert hits[0].result.id == s["solver"].id
