"""Before the platform approves a pairing, the result's side of a 保密 need reads only what the need's
owner disclosed: 一项保密需求, its field, the match score and its strength band. Nothing from the
need's text (its sentence, highlighted words, shared or related terms), budget, region or wanted TRL,
on the pairing page or in /api/pairings. After approval the full explanation is theirs.
"""

from dataclasses import dataclass
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.accounts.models import User
from backend.matching.snapshot import pair_snapshot
from backend.pairings import service as pairings
from backend.pairings.models import Pairing
from backend.pairings.visibility import SEALED_NOTE
from backend.postings.need_model import Need
from backend.vocab import Role
from embeddings.engine import MatchEngine
from embeddings.strength import strength_band
from tests.factories import login, make_need, make_result, make_user

# Only in the need's text. Its words the result shares (钛合金叶片, 内部裂纹) are the result's own text
# too: what must not show is that they are the need's, i.e. any highlight (<mark>) or shared term.
SECRET_WORDS = ("航空发动机", "相控阵", "漏检率", "保密课题")
REGION, BUDGET, PRICE = "甘肃省", (3719, 4127), 5333
LEAKS = (*SECRET_WORDS, REGION, "3719", "4127", "TRL 8", "需求中最相关的一句", "共同词")


@dataclass
class Pair:
    enterprise: User
    researcher: User
    operator: User
    need: Need
    pairing: Pairing


def _pair(session: Session, explanation: dict[str, Any] | None = None) -> Pair:
    enterprise, researcher = make_user(session, Role.enterprise), make_user(session, Role.researcher)
    operator = make_user(session, Role.operator)
    need = make_need(
        session,
        enterprise,
        title="保密课题：航空发动机钛合金叶片内部裂纹检测",
        problem="我们需要在线检测钛合金叶片的内部裂纹，现有相控阵设备漏检率高，希望找到更可靠的检测方法。",
        indicators="裂纹检出率不低于 99%",
        field="advanced_manufacturing",
        keywords=["钛合金叶片", "内部裂纹"],
        region=REGION,
        budget_min=BUDGET[0],
        budget_max=BUDGET[1],
        trl_wanted=8,
        confidentiality="secret",
    )
    result = make_result(
        session,
        researcher,
        title="叶片缺陷的超声检测方法",
        summary="本成果用超声与深度学习识别钛合金叶片内部裂纹，检出率 98%，已在两家企业试用。",
        field="advanced_manufacturing",
        keywords=["钛合金叶片", "内部裂纹"],
        region="湖北省",
        price=PRICE,
        trl=5,
    )
    score, snapshot = pair_snapshot(session=session, need=need, result=result)
    pairing = pairings.propose(
        session=session,
        need=need,
        result=result,
        by=operator,
        score=score or 66.0,
        explanation=explanation or snapshot,
    )
    session.commit()
    return Pair(enterprise, researcher, operator, need, pairing)


def _engine_like(snapshot: dict[str, Any]) -> dict[str, Any]:
    """What the engine adds to a snapshot (tests/security's default runs with matching off)."""
    return snapshot | {
        "engine": True,
        "semantic": 40.0,
        "lexical": 20.0,
        "fit_points": {"region": 0.0, "budget": -12.0, "trl": -9.0},
        "related_terms": [["相控阵", "超声"]],
        "need_sentence": {
            "text": "现有相控阵设备漏检率高",
            "spans": [{"start": 2, "end": 5, "kind": "shared"}],
        },
        "result_sentence": {
            "text": "本成果用超声与深度学习识别钛合金叶片内部裂纹",
            "spans": [{"start": 13, "end": 18, "kind": "shared"}, {"start": 18, "end": 22, "kind": "shared"}],
        },
    }


def _page_text(client: TestClient, pairing_id: int | None) -> tuple[BeautifulSoup, str]:
    r = client.get(f"/pairings/{pairing_id}")
    assert r.status_code == 200, r.text[:300]
    page = BeautifulSoup(r.text, "html.parser")
    main = page.select_one("main")
    assert main is not None
    return page, main.get_text(" ", strip=True)


def _sealed_for_the_researcher(client: TestClient, p: Pair) -> None:
    login(client, p.researcher)
    page, text = _page_text(client, p.pairing.id)
    assert [w for w in LEAKS if w in text] == []
    assert page.select("mark") == [] and page.select_one(".quotes") is None
    assert "一项保密需求" in text and "先进制造" in text  # what the owner disclosed: it exists, its field
    assert f"{round(p.pairing.score)} 分" in text and strength_band(p.pairing.score).label in text
    assert SEALED_NOTE in text

    for body in (client.get(f"/api/pairings/{p.pairing.id}").json(), client.get("/api/pairings").json()[0]):
        shown = body["explanation"]
        assert set(shown) <= {"engine", "sealed", "reasons_for", "reasons_against", "notes"}
        assert [w for w in LEAKS if w in str(shown)] == []
        assert body["score"] == p.pairing.score


def _approve(client: TestClient, p: Pair) -> None:
    """Both sides say yes, the operator approves (the API's ordinary path)."""
    ids = {"need_id": p.need.id, "result_id": p.pairing.result_id}
    login(client, p.enterprise)
    assert client.post("/api/pairings/interest", json=ids).status_code == 200
    login(client, p.researcher)
    assert client.post("/api/pairings/interest", json=ids).json()["status"] == "pending_review"
    _sealed_for_the_researcher(client, p)  # still sealed while it waits for review
    login(client, p.operator)
    version = client.get(f"/api/pairings/{p.pairing.id}").json()["version"]
    decided = client.post(
        f"/api/ops/pairings/{p.pairing.id}/decision", json={"to": "approved", "version": version}
    )
    assert decided.status_code == 200, decided.text


@pytest.mark.parametrize("engine", [False, True], ids=["fit-only snapshot", "engine snapshot"])
def test_the_result_side_reads_only_what_the_secret_needs_owner_disclosed(
    client: TestClient, session: Session, engine: bool
) -> None:
    p = _pair(session)
    if engine:
        p.pairing.explanation = _engine_like(p.pairing.explanation)
        session.add(p.pairing)
        session.commit()
    stored = str(p.pairing.explanation)
    assert REGION in stored and "3719" in stored  # the snapshot itself does quote them (positive control)

    _sealed_for_the_researcher(client, p)
    login(client, p.enterprise)  # the owner reads everything of its own pairing
    _, text = _page_text(client, p.pairing.id)
    assert REGION in text and "3719" in text

    _approve(client, p)
    login(client, p.researcher)
    page, text = _page_text(client, p.pairing.id)
    assert "钛合金叶片内部裂纹检测" in text and REGION in text and "3719" in text
    assert SEALED_NOTE not in text
    assert client.get(f"/api/pairings/{p.pairing.id}").json()["explanation"] == p.pairing.explanation
    if engine:
        assert page.select("mark") and "需求中最相关的一句" in text


@pytest.mark.slow
def test_a_real_engine_snapshot_is_sealed_too(
    client: TestClient, session: Session, match_engine: MatchEngine
) -> None:
    p = _pair(session)
    assert p.pairing.explanation["engine"] is True and p.pairing.explanation.get("need_sentence")
    _sealed_for_the_researcher(client, p)
