"""/ops/unmet keeps each need's best match until the index changes: loading the page again asks
the engine nothing, and what was published meanwhile shows at the next load."""

from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.vocab import Role
from embeddings.engine import MatchEngine
from tests.backend.affinity import make_affinity_need, make_solver
from tests.factories import login, make_need, make_user

TERMITES = {  # nothing on the platform answers it (the solver is about antibody purification)
    "title": "老宅木梁白蚁蛀空，想找根治办法",
    "problem": "我们是做老宅民宿的，木结构老房子的梁柱被白蚁蛀空，喷药只能管一阵子，想找能根治又不伤木头的办法。",
    "indicators": "白蚁复发率低于 5%",
    "keywords": ["白蚁", "木结构"],
}


def _unmet(client: TestClient) -> set[int]:
    page = BeautifulSoup(client.get("/ops/unmet").text, "html.parser")
    return {int(str(row["id"]).removeprefix("unmet-")) for row in page.select("tr[id^=unmet-]")}


@pytest.mark.slow
def test_a_second_load_matches_nothing_again_until_a_posting_is_published(
    client: TestClient, session: Session, match_engine: MatchEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    enterprise = make_user(session, Role.enterprise)
    need = make_affinity_need(session, enterprise)
    operator = make_user(session, Role.operator)
    session.commit()
    matched: list[Any] = []
    real = match_engine.match_need

    def spy(**kwargs: Any) -> Any:
        matched.append(kwargs["need"].id)
        return real(**kwargs)

    monkeypatch.setattr(match_engine, "match_need", spy)
    login(client, operator)
    assert _unmet(client) == {need.id}  # no result is indexed: nothing answers it
    assert matched == [need.id]
    assert _unmet(client) == {need.id}
    assert matched == [need.id]  # the second load asked the engine nothing

    make_solver(session, make_user(session, Role.researcher))
    termites = make_need(session, enterprise, **TERMITES)
    session.commit()
    assert _unmet(client) == {termites.id}  # the solver answers the first need; the new one is listed
    assert sorted(matched) == sorted([need.id, need.id, termites.id])  # both judged again after the change
