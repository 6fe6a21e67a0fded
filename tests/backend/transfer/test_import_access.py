"""Who may import, and into which organisation and owner."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.accounts.models import User
from backend.vocab import Role
from tests.backend.transfer.kit import api_import, csv_bytes, headers, need_row
from tests.factories import login, make_user


def test_owner_must_belong_to_the_organisation_and_fit_the_kind(
    client: TestClient, session: Session, operator: User, enterprise: User, university: User
) -> None:
    data = csv_bytes(headers("needs"), [need_row()])
    foreign = api_import(
        client,
        kind="needs",
        org_id=enterprise.organisation_id,
        owner_id=university.id,
        data=data,
        filename="n.csv",
    )
    assert foreign.status_code == 422
    wrong_role = api_import(
        client,
        kind="results",
        org_id=university.organisation_id,
        owner_id=make_user(session, Role.enterprise, organisation_id=university.organisation_id).id,
        data=data,
        filename="n.csv",
    )
    assert wrong_role.status_code == 422 and "科研人员" in wrong_role.json()["error"]


def test_non_operators_are_refused(client: TestClient, session: Session, enterprise: User) -> None:
    login(client, enterprise)
    data = csv_bytes(headers("needs"), [need_row()])
    assert client.get("/ops/import").status_code == 403
    assert client.get("/ops/import/template/needs.xlsx").status_code == 403
    response = api_import(
        client, kind="needs", org_id=enterprise.organisation_id, data=data, filename="n.csv"
    )
    assert response.status_code == 403
    assert client.get("/api/ops/import/1").status_code == 403
