"""The operator's stale-postings list: published, no edit and no interest for N days."""

from datetime import timedelta

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col

from backend.db import utcnow
from backend.pairings import service as pairings
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import Role
from tests.factories import login, make_need, make_result, make_user


def _idle(session: Session, model: type[Need] | type[Result], item_id: int | None, days: int) -> None:
    session.execute(
        update(model).where(col(model.id) == item_id).values(updated_at=utcnow() - timedelta(days=days))
    )
    session.flush()


def _listed(client: TestClient, url: str = "/ops/stale") -> list[tuple[str, str]]:
    page = BeautifulSoup(client.get(url).text, "html.parser")
    return [
        (str(r["data-kind"]), r.select("td a")[0].get_text(strip=True)) for r in page.select(".stale-row")
    ]


def test_the_stale_list_holds_published_postings_nobody_touched_for_n_days(
    client: TestClient, session: Session
) -> None:
    enterprise = make_user(session, Role.enterprise)
    researcher = make_user(session, Role.researcher)
    old_need = make_need(session, enterprise, title="七十天没人动的需求")
    fresh_need = make_need(session, enterprise, title="刚更新过的需求")
    old_result = make_result(session, researcher, title="七十天没人动的成果")
    wanted = make_result(session, researcher, title="有人表达意向的旧成果")
    draft = make_need(session, enterprise, publish=False, title="七十天前的草稿")
    for model, item in ((Need, old_need), (Result, old_result), (Result, wanted), (Need, draft)):
        _idle(session, model, item.id, 70)
    pairings.propose(session=session, need=fresh_need, result=wanted, by=enterprise, score=60, explanation={})
    _idle(session, Need, fresh_need.id, 0)
    operator = make_user(session, Role.operator)
    session.commit()
    login(client, operator)
    listed = _listed(client)
    assert ("need", "七十天没人动的需求") in listed and ("result", "七十天没人动的成果") in listed
    titles = [t for _, t in listed]
    assert "刚更新过的需求" not in titles and "七十天前的草稿" not in titles
    assert "有人表达意向的旧成果" not in titles  # the enterprise's interest is recent
    # N is the page's to choose: nothing has been idle for 100 days.
    assert _listed(client, "/ops/stale?days=100") == []
    page = client.get("/ops/stale")
    assert "从未有人表达意向" in page.text
    nav = BeautifulSoup(page.text, "html.parser").select_one("nav.site-nav a[href='/ops/stale']")
    assert nav is not None and nav.get_text(strip=True) == "沉寂信息"
