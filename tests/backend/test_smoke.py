from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.vocab import Role
from tests.factories import login, make_need, make_user


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_api_create_and_forbidden_edit(client: TestClient, session: Session) -> None:
    a = make_user(session, Role.enterprise)
    b = make_user(session, Role.enterprise)
    need = make_need(session, a)
    login(client, b)
    r = client.patch(f"/api/needs/{need.id}", json={"title": "改个标题"})
    assert r.status_code == 403
    assert r.json()["error"]
