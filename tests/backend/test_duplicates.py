"""Submitting a posting checks it for near-duplicates with the real engine (pages and API)."""

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.postings.quality_models import DuplicateCandidate
from backend.vocab import Role
from embeddings.engine import MatchEngine
from tests.factories import login, make_need, make_result, make_user, need_data, result_data

pytestmark = pytest.mark.slow

RESULT = {
    "title": "碱稳定型重组蛋白A配基及高载量琼脂糖亲和层析介质",
    "summary": (
        "面向单克隆抗体下游捕获工序，团队对蛋白A的B结构域进行定点突变与四聚体串联设计，获得耐碱性显著提升的重组配基；"
        "采用反相悬浮法制备粒径50–90 μm的高交联大孔琼脂糖微球。在停留时间4 min条件下，介质动态载量达52 mg/mL；"
        "经0.5 M NaOH在位清洗200个循环后载量保持率≥85%。"
    ),
    "advantages": "与进口介质相比动态载量高约10%，配基脱落＜5 ppm；生产成本约为进口产品的35%。",
    "keywords": ["蛋白A", "亲和层析介质"],
}
# The same result typed again: other words, sentences in another order, one number changed.
RETYPED = RESULT | {
    "summary": (
        "经0.5 M NaOH在位清洗200个循环后载量保持率≥85%。面向单克隆抗体下游捕获工序,团队对蛋白A的B结构域开展定点突变与四聚体串联设计,"
        "获得耐碱性显著提升的重组配基；采用反相悬浮法制备粒径50–90 μm的高交联大孔琼脂糖微球。在停留时间4 min条件下,介质动态载量达55 mg/mL；"
    ),
}
OTHER_RESULT = {
    "title": "基于在线传感的发酵过程智能控制技术",
    "summary": "本成果采用在线拉曼光谱与软测量模型实时监测发酵过程关键参数，结合自适应补料控制，显著降低批次间差异。",
    "keywords": ["发酵过程控制", "拉曼光谱"],
}
NEED = {
    "title": "单抗纯化用的填料想找国产替代，进口的太贵还老断货",
    "problem": (
        "我们是做单抗生物类似药的，下游纯化第一步亲和捕获一直用进口的ProteinA填料，一升要好几万，"
        "这两年到货周期从4周拖到了16周，中试批次都排不开。想找国内能做这个填料的团队。"
    ),
    "indicators": "动态载量≥45 mg/mL；耐0.5 M NaOH在位清洗，循环使用≥150次后载量保持80%以上。",
    "keywords": ["单抗", "纯化填料"],
}
NEED_RETYPED = NEED | {
    "problem": (
        "我司是做单抗生物类似药的，下游纯化第一步亲和捕获一直用进口的ProteinA填料，一升要好几万，"
        "这两年到货周期从4周拖到了20周，中试批次都排不开。想找国内能做这个填料的团队。"
    ),
}


def _result_form(client: TestClient, data: dict[str, object]) -> dict[str, object]:
    page = BeautifulSoup(client.get("/results/new").text, "html.parser")
    token = page.select_one("input[name=csrf_token]")
    assert token is not None
    form = result_data(**data)
    form["keywords"] = "、".join(form["keywords"])
    form["patent_numbers"] = "、".join(form["patent_numbers"])
    form.pop("price_negotiable")
    return form | {"csrf_token": token["value"], "action": "publish"}


def test_a_retyped_result_is_flagged_for_its_writer_and_the_operator(
    client: TestClient, session: Session, match_engine: MatchEngine
) -> None:
    first = make_result(session, make_user(session, Role.researcher), **RESULT)
    make_result(session, make_user(session, Role.researcher), **OTHER_RESULT)
    session.commit()
    writer = make_user(session, Role.researcher)
    login(client, writer)
    answer = client.post("/results/new", data=_result_form(client, RETYPED), follow_redirects=False)
    assert answer.status_code == 303
    new_id = int(answer.headers["location"].rsplit("/", 1)[1])
    warning = BeautifulSoup(client.get(f"/results/{new_id}").text, "html.parser").select_one(
        ".duplicate-warning"
    )
    assert warning is not None and "可能与已有成果重复" in warning.get_text()
    assert [a["href"] for a in warning.select("a")] == [f"/results/{first.id}"]  # not the unrelated one
    [hit] = client.get(f"/api/results/{new_id}/duplicates").json()
    assert hit["id"] == first.id and hit["similarity"] >= 0.9
    # The operator sees the same candidate in the queue.
    login(client, make_user(session, Role.operator))
    queue = BeautifulSoup(client.get("/ops/reviews").text, "html.parser")
    row = queue.select_one(f".review-row[data-kind=result][data-id='{new_id}']")
    assert row is not None
    assert [li["data-other"] for li in row.select(".duplicate-candidate")] == [str(first.id)]


def test_a_distinct_result_submitted_through_the_api_is_not_flagged(
    client: TestClient, session: Session, match_engine: MatchEngine
) -> None:
    make_result(session, make_user(session, Role.researcher), **RESULT)
    session.commit()
    login(client, make_user(session, Role.researcher))
    made = client.post("/api/results?publish=true", json=result_data(**OTHER_RESULT))
    assert made.status_code == 201, made.text
    assert client.get(f"/api/results/{made.json()['id']}/duplicates").json() == []


def test_a_need_is_compared_with_its_own_organisations_needs_only(
    client: TestClient, session: Session, match_engine: MatchEngine
) -> None:
    owner = make_user(session, Role.enterprise)
    first = make_need(session, owner, **NEED)
    session.commit()
    stranger = make_user(session, Role.enterprise)
    login(client, stranger)
    theirs = client.post("/api/needs?publish=true", json=need_data(**NEED_RETYPED))
    assert theirs.status_code == 201
    assert client.get(f"/api/needs/{theirs.json()['id']}/duplicates").json() == []
    colleague = make_user(session, Role.enterprise, organisation_id=owner.organisation_id)
    login(client, colleague)
    ours = client.post("/api/needs?publish=true", json=need_data(**NEED_RETYPED))
    [hit] = client.get(f"/api/needs/{ours.json()['id']}/duplicates").json()
    assert hit["id"] == first.id and hit["url"] == f"/needs/{first.id}"
    # Checked once for this text: approving it does not check it again.
    rows = session.exec(select(DuplicateCandidate).where(DuplicateCandidate.posting_id == ours.json()["id"]))
    assert len(list(rows)) == 1
