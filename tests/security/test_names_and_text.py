"""Organisation names cannot be duplicated with invisible characters, and bidi overrides are
refused in every text field (issue 13, finding 6)."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend.accounts.models import Organisation
from backend.validation import clean_text, normalise_name
from backend.vocab import OrgKind
from tests.factories import PASSWORD, login, make_user, need_data


def _signup(client: TestClient, email: str, org: str) -> int:
    body = {
        "email": email,
        "password": PASSWORD,
        "name": "张三",
        "role": "enterprise",
        "organisation_name": org,
        "organisation_kind": "enterprise",
        "region": "湖北省",
        "accept_terms": True,
    }
    return client.post("/api/auth/signup", json=body).status_code


@pytest.mark.parametrize(
    "twin",
    [
        "楚天智造有限公司\u200b",  # zero-width space
        "\ufeff楚天智造有限公司",  # BOM
        "楚天智造\u2060有限公司",  # word joiner
        "楚天智造有限公司 ",
        "楚天智造　有限公司".replace("　", ""),  # NFKC of the same
        "ＣＴ楚天智造有限公司",  # full-width letters: NFKC → "CT…" (a different name, see below)
    ],
)
def test_an_invisible_twin_of_a_name_is_the_same_organisation(client: TestClient, twin: str) -> None:
    base = "ＣＴ楚天智造有限公司" if twin.startswith("Ｃ") else "楚天智造有限公司"
    assert _signup(client, "first@example.cn", base.replace("ＣＴ", "CT")) == 201
    client.cookies.clear()
    assert _signup(client, "second@example.cn", twin) == 422


def test_the_database_refuses_a_second_organisation_of_the_same_name(session: Session) -> None:
    session.add(Organisation(name="江汉光电有限公司", kind=OrgKind.enterprise, region="湖北省"))
    session.flush()
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(Organisation(name="江汉光电\u200b有限公司 ", kind=OrgKind.enterprise, region="湖北省"))
        session.flush()


def test_names_are_stored_normalised(session: Session) -> None:
    org = Organisation(name="  武汉\u200b  光谷\ufeff科技 ", kind=OrgKind.enterprise, region="湖北省")
    session.add(org)
    session.flush()
    assert org.name == "武汉 光谷科技" and org.name_key == "武汉 光谷科技"
    assert normalise_name("ＡＢＣ") == "ABC"


@pytest.mark.parametrize("char", ["\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u202a"])
def test_bidi_override_characters_are_refused(client: TestClient, session: Session, char: str) -> None:
    with pytest.raises(ValueError, match="显示方向"):
        clean_text(f"正常文字{char}txt.exe")
    user = make_user(session)
    login(client, user)
    answer = client.post("/api/needs", json=need_data(title=f"高温叶片{char}检测需求"))
    assert answer.status_code == 422, answer.text
    client.cookies.clear()
    assert _signup(client, "bidi@example.cn", f"比迪{char}有限公司") == 422
