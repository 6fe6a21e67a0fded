"""Match sections on detail pages, the highlight filter, and 预览匹配 on the posting forms."""

from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from backend.audit.models import AuditEntry
from backend.highlight import highlight
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import Role
from embeddings.engine import MatchEngine
from tests.factories import login, make_need, make_result, make_user, need_data, result_data

NEED = {
    "title": "单抗纯化用的亲和层析填料想找国产替代",
    "problem": "我们做单抗药，下游纯化第一步的亲和层析填料一直用进口的，太贵还老断货，想找国内能做的团队。",
    "indicators": "载量不低于进口产品，能耐碱清洗",
    "keywords": ["纯化", "亲和层析"],
    "field": "biomedicine",
    "trl_wanted": 6,
    "modes": ["transfer"],
}
SOLVER = {
    "title": "碱稳定型重组蛋白A配基及高载量亲和层析介质",
    "summary": "通过定点突变获得耐碱的重组Protein A配基，偶联于高交联琼脂糖微球，动态载量达 60 mg/mL，"
    "0.5 M NaOH 在位清洗 200 次后载量保持 90% 以上，可用于单克隆抗体的亲和层析捕获。",
    "keywords": ["Protein A", "亲和层析"],
    "field": "biomedicine",
    "trl": 4,
    "modes": ["license_general"],
}
OTHER = {
    "title": "高比能钠离子电池正极材料",
    "summary": "层状氧化物正极材料，比容量 160 mAh/g，循环 2000 次容量保持率 85%，适用于储能电站和低速电动车。",
    "field": "new_energy",
    "keywords": ["钠离子电池"],
}


def soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def csrf(client: TestClient) -> str:
    token = soup(client.get("/needs")).select_one("input[name=csrf_token]")
    assert token is not None
    return str(token["value"])


def form_post(**overrides: Any) -> dict[str, Any]:
    data = need_data(**overrides)
    data["keywords"] = "、".join(data["keywords"])
    data.pop("budget_negotiable")
    return data


def _setup(session: Session) -> dict[str, Any]:
    enterprise = make_user(session, Role.enterprise)
    researcher = make_user(session, Role.researcher)
    need = make_need(session, enterprise, **NEED)
    solver = make_result(session, researcher, **SOLVER)
    other = make_result(session, researcher, **OTHER)
    session.commit()
    return {
        "enterprise": enterprise,
        "researcher": researcher,
        "need": need,
        "solver": solver,
        "other": other,
    }


# ---- the highlight filter ------------------------------------------------------------


def test_highlight_escapes_text_and_wraps_only_spans() -> None:
    text = "<script>alert(1)</script>发酵罐染菌"
    start = text.index("发酵")
    spans = [
        {"start": start, "end": start + 2, "kind": "shared"},
        {"start": start + 1, "end": start + 3, "kind": "shared"},  # overlaps: skipped
        {"start": 100, "end": 102, "kind": "shared"},  # out of range: skipped
        {"start": 0, "end": 8, "kind": "related"},  # inside the markup-looking text: escaped inside <mark>
    ]
    out = str(highlight(text, spans))
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert '<mark class="hl-shared" title="双方共有的词">发酵</mark>' in out
    assert '<mark class="hl-related" title="语义相近的词">&lt;script&gt;</mark>' in out
    assert out.count("<mark") == 2
    assert str(highlight("a<b", None)) == "a&lt;b"


def test_matching_off_shows_a_notice_not_an_error(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner)
    response = client.get(f"/needs/{need.id}")
    assert response.status_code == 200
    section = soup(response).select_one("section.matches")
    assert section is not None and "匹配功能暂未启用" in section.get_text()


def test_preview_with_errors_is_a_422_and_stores_nothing(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    login(client, owner)
    before = session.exec(select(func.count()).select_from(Need)).one()
    data = form_post(title="", problem="太短") | {"action": "preview", "csrf_token": csrf(client)}
    response = client.post("/needs/new", data=data)
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#title-error") is not None and page.select_one("#match-preview") is None
    assert session.exec(select(func.count()).select_from(Need)).one() == before


def test_preview_button_is_on_both_forms(client: TestClient, session: Session) -> None:
    login(client, make_user(session, Role.enterprise))
    button = soup(client.get("/needs/new")).select_one("button[name=action][value=preview]")
    assert button is not None and button.get_text(strip=True) == "预览匹配"
    login(client, make_user(session, Role.researcher))
    assert soup(client.get("/results/new")).select_one("button[value=preview]") is not None


# ---- with the real model -----------------------------------------------------------------


@pytest.mark.slow
def test_need_page_ranks_the_solver_first_with_breakdown_highlights_and_reasons(
    client: TestClient, session: Session, match_engine: MatchEngine
) -> None:
    s = _setup(session)
    page = soup(client.get(f"/needs/{s['need'].id}"))
    cards = page.select(".matches .match-card")
    assert len(cards) == 2
    first = cards[0]
    assert first.select_one("h3 a")["href"] == f"/results/{s['solver'].id}"
    score = int(first.select_one(".match-score strong").get_text())
    assert 0 < score <= 100 and score > int(cards[1].select_one(".match-score strong").get_text())
    parts = first.select_one(".score-parts").get_text()
    assert "语义相关" in parts and "关键词重合" in parts and "成熟度 -" in parts
    # shared terms: chips, and <mark> around words that really are in both texts
    need_text = " ".join([NEED["title"], NEED["problem"], NEED["indicators"], *NEED["keywords"]])
    solver_text = " ".join([SOLVER["title"], SOLVER["summary"], *SOLVER["keywords"]])
    assert "亲和层析" in [c.get_text() for c in first.select(".chip")]
    marks = [m.get_text() for m in first.select(".quotes mark.hl-shared")]
    assert marks and all(m.lower() in need_text.lower() and m.lower() in solver_text.lower() for m in marks)
    assert "亲和层析" in marks
    against = [li.get_text() for li in first.select(".reason-against")]
    assert any("低于需求期望的 TRL 6" in r for r in against)  # TRL 4 vs wanted 6
    assert any("转化方式不匹配" in r for r in against)  # transfer only vs licence only
    assert "差 2 级" in first.select_one(".trl-line").get_text()
    assert first.select(".reason-for")  # same field at least


@pytest.mark.slow
def test_result_page_shows_the_need_but_never_a_secret_one_to_outsiders(
    client: TestClient, session: Session, match_engine: MatchEngine
) -> None:
    s = _setup(session)
    secret = make_need(
        session, s["enterprise"], **(NEED | {"confidentiality": "secret", "title": "保密：亲和填料国产化"})
    )
    session.commit()
    url = f"/results/{s['solver'].id}"
    anonymous = [a["href"] for a in soup(client.get(url)).select(".match-card h3 a")]
    assert f"/needs/{s['need'].id}" in anonymous and f"/needs/{secret.id}" not in anonymous
    login(client, s["researcher"])  # the result's owner is still an outsider to the secret need
    page = client.get(url)
    assert f"/needs/{s['need'].id}" in page.text and "保密：亲和填料国产化" not in page.text
    login(client, make_user(session, Role.operator))
    assert "保密：亲和填料国产化" in client.get(url).text


@pytest.mark.slow
def test_preview_shows_matches_keeps_the_form_and_stores_nothing(
    client: TestClient, session: Session, match_engine: MatchEngine
) -> None:
    s = _setup(session)
    login(client, s["enterprise"])
    counts = [session.exec(select(func.count()).select_from(m)).one() for m in (Need, Result, AuditEntry)]
    data = form_post(**NEED) | {
        "action": "preview",
        "csrf_token": csrf(client),
        "title": "亲和层析填料国产化（预览）",
    }
    response = client.post("/needs/new", data=data)
    assert response.status_code == 200
    page = soup(response)
    preview = page.select_one("#match-preview")
    assert preview is not None
    assert preview.select(".match-card h3 a")[0]["href"] == f"/results/{s['solver'].id}"
    assert not preview.select("form")  # no interest buttons for an unsaved posting
    assert page.select_one("#f-title")["value"] == "亲和层析填料国产化（预览）"
    assert NEED["problem"] in page.select_one("#f-problem").get_text()
    assert [
        session.exec(select(func.count()).select_from(m)).one() for m in (Need, Result, AuditEntry)
    ] == counts
    # a researcher's form previews needs the same way
    login(client, s["researcher"])
    rdata = result_data(**SOLVER)
    rdata |= {"keywords": "、".join(rdata["keywords"]), "patent_numbers": "", "action": "preview"}
    rdata.pop("price_negotiable")
    rdata["csrf_token"] = csrf(client)
    response = client.post(f"/results/{s['solver'].id}/edit", data=rdata)
    assert response.status_code == 200
    assert f"/needs/{s['need'].id}" in str(soup(response).select_one("#match-preview"))
