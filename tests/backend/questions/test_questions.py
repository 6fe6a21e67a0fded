"""向平台提问: a user asks the platform about a posting before any pairing; an operator answers."""

from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.errors import Conflict, InvalidInput, NotFound, NotPermitted
from backend.notifications.models import Notification
from backend.questions import service
from backend.questions.models import PostingQuestion
from backend.vocab import Role
from tests.factories import login, make_need, make_result, make_user


@pytest.fixture
def w(session: Session) -> dict[str, Any]:
    enterprise, researcher = make_user(session, Role.enterprise), make_user(session, Role.researcher)
    world = {
        "enterprise": enterprise,
        "researcher": researcher,
        "operator": make_user(session, Role.operator),
        "need": make_need(session, enterprise, confidentiality="desensitized", title="脱敏：冷库温控改造"),
        "secret": make_need(session, enterprise, confidentiality="secret", title="保密：叶片检测"),
        "result": make_result(session, researcher),
    }
    session.commit()
    return world


def _notes(session: Session, user: Any, kind: str) -> list[Notification]:
    return list(
        session.exec(select(Notification).where(Notification.user_id == user.id, Notification.kind == kind))
    )


def test_ask_and_answer_reach_only_the_operators_and_the_asker(session: Session, w: dict[str, Any]) -> None:
    item = service.ask(
        session=session,
        user=w["researcher"],
        side="need",
        posting_id=w["need"].id,
        question="现有冷库有多大？",
    )
    [told] = _notes(session, w["operator"], "question")
    assert "冷库温控改造" in told.title and told.link == "/ops/questions"
    assert _notes(session, w["enterprise"], "question") == []  # the owner is not told who asked
    service.answer(session=session, operator=w["operator"], question_id=item.id or 0, text="约 5000 立方米。")
    [answered] = _notes(session, w["researcher"], "question_answered")
    assert answered.body == "约 5000 立方米。" and answered.link == "/questions"
    [mine] = service.mine(session=session, user=w["researcher"])
    assert mine.answer == "约 5000 立方米。" and mine.asker == ""  # the asker's view names nobody
    with pytest.raises(Conflict, match="已答复"):
        service.answer(session=session, operator=w["operator"], question_id=item.id or 0, text="再答")


def test_refusals_store_nothing(session: Session, w: dict[str, Any]) -> None:
    ask = service.ask
    with pytest.raises(NotFound):  # a 保密 need does not exist for an outsider
        ask(
            session=session, user=w["researcher"], side="need", posting_id=w["secret"].id, question="能做吗？"
        )
    with pytest.raises(NotPermitted, match="本单位"):
        ask(session=session, user=w["enterprise"], side="need", posting_id=w["need"].id, question="？")
    with pytest.raises(NotPermitted, match="平台运营"):
        ask(session=session, user=w["operator"], side="result", posting_id=w["result"].id, question="？")
    with pytest.raises(InvalidInput, match="请输入问题"):
        ask(session=session, user=w["researcher"], side="need", posting_id=w["need"].id, question="  ")
    with pytest.raises(InvalidInput, match="不超过 1000 字"):
        ask(session=session, user=w["researcher"], side="need", posting_id=w["need"].id, question="问" * 1001)
    with pytest.raises(NotPermitted):
        service.answer(session=session, operator=w["researcher"], question_id=1, text="x")
    assert session.exec(select(PostingQuestion)).all() == []
    for _ in range(service.MAX_OPEN):
        ask(
            session=session, user=w["enterprise"], side="result", posting_id=w["result"].id, question="样品？"
        )
    with pytest.raises(Conflict, match="等待答复"):
        ask(session=session, user=w["enterprise"], side="result", posting_id=w["result"].id, question="再问")


def test_pages_keep_the_typed_question_and_the_api_answers(
    client: TestClient, session: Session, w: dict[str, Any]
) -> None:
    login(client, w["enterprise"])
    detail = BeautifulSoup(client.get(f"/results/{w['result'].id}").text, "html.parser")
    link = detail.select_one(".ask-platform a.button")
    assert link is not None and link["href"] == f"/questions/new?side=result&posting_id={w['result'].id}"
    form = BeautifulSoup(client.get(str(link["href"])).text, "html.parser")
    token = form.select_one("input[name=csrf_token]")["value"]
    data = {"csrf_token": token, "side": "result", "posting_id": w["result"].id}
    bad = client.post("/questions", data=data | {"question": "问" * 1001})
    assert bad.status_code == 422
    page = BeautifulSoup(bad.text, "html.parser")
    assert "不超过 1000 字" in page.select_one("#question-error").text
    assert page.select_one("#f-question").text == "问" * 1001
    ok = client.post("/questions", data=data | {"question": "能提供中试样品吗？"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/questions"
    assert "等待平台答复" in client.get("/questions").text
    login(client, w["operator"])
    [queued] = client.get("/api/ops/questions").json()
    assert queued["answer"] is None
    assert client.post(f"/api/ops/questions/{queued['id']}/answer", json={"answer": ""}).status_code == 422
    assert (
        client.post(
            f"/api/ops/questions/{queued['id']}/answer", json={"answer": "可以提供 1 kg。"}
        ).status_code
        == 200
    )
    login(client, w["enterprise"])
    assert client.get("/api/questions").json()[0]["answer"] == "可以提供 1 kg。"
    login(client, w["researcher"])
    assert client.get("/api/questions").json() == []  # others' questions are nobody else's
    assert client.get("/api/ops/questions").status_code == 403
