"""The accounts service: organisations, users, sign-in sessions and passwords."""

from datetime import timedelta

import pytest
from sqlmodel import Session

from backend.accounts import service as accounts
from backend.accounts.models import Organisation, User, UserSession
from backend.accounts.schemas import PasswordChange, SignUp
from backend.audit.service import history
from backend.db import utcnow
from backend.errors import NotAuthenticated
from backend.postings import needs as needs
from backend.postings import results as results
from backend.vocab import OrgKind, Role
from tests.factories import PASSWORD, make_user


def _signup(**overrides: object) -> SignUp:
    fields: dict[str, object] = {
        "email": "Wang@Example.CN",
        "password": "Secret123",
        "name": "王芳",
        "phone": "13900000000",
        "role": "enterprise",
        "organisation_name": "武汉光谷新材料有限公司",
        "organisation_kind": "enterprise",
        "region": "湖北省",
        "accept_terms": True,
    } | overrides
    return SignUp.model_validate(fields)


class TestUsers:
    """Creating users and their organisations."""

    def test_create_user_creates_organisation_and_hashes_password(self, session: Session) -> None:
        user = accounts.create_user(session=session, data=_signup())

        stored = session.get(User, user.id)
        assert stored is not None
        assert stored.email == "wang@example.cn"  # normalised to lower case
        assert stored.role == Role.enterprise
        assert stored.password_hash != "Secret123"
        org = session.get(Organisation, stored.organisation_id)
        assert org is not None
        assert (org.name, org.kind, org.region) == ("武汉光谷新材料有限公司", OrgKind.enterprise, "湖北省")
        assert (
            accounts.authenticate(session=session, email="WANG@example.cn", password="Secret123").id
            == user.id
        )
        with pytest.raises(NotAuthenticated):
            accounts.authenticate(session=session, email="wang@example.cn", password="wrong-Pass1")
        entries = history(session=session, entity="user", entity_id=user.id or 0)
        assert [(e.action, e.actor_id) for e in entries] == [("create", user.id)]

    def test_organisation_update_is_stored(self, session: Session) -> None:
        user = accounts.create_user(session=session, data=_signup())
        org = session.get(Organisation, user.organisation_id)
        assert org is not None
        org.credit_code = "91420100MA4K00001X"
        session.add(org)
        session.flush()
        session.expire_all()
        again = session.get(Organisation, user.organisation_id)
        assert again is not None and again.credit_code == "91420100MA4K00001X"
        assert (
            accounts.organisation_name(session=session, organisation_id=org.id or 0)
            == "武汉光谷新材料有限公司"
        )

    def test_operator_adds_colleague_to_existing_organisation(self, session: Session) -> None:
        first = accounts.create_user(session=session, data=_signup())
        operator = make_user(session, Role.operator)
        colleague = accounts.create_user(
            session=session, data=_signup(email="li@example.cn", name="李雷"), created_by=operator
        )
        assert colleague.organisation_id == first.organisation_id
        entries = history(session=session, entity="user", entity_id=colleague.id or 0)
        assert [e.actor_id for e in entries] == [operator.id]


class TestSessions:
    """Sign-in sessions and password changes."""

    def test_user_session_lifecycle(self, session: Session) -> None:
        user = make_user(session)
        token, row = accounts.start_session(session=session, user=user, hours=2)
        assert row.token_hash != token  # only the digest is stored
        found = accounts.resolve_session(session=session, token=token)
        assert found is not None and found[0].id == user.id

        accounts.end_session(session=session, token=token)
        session.flush()
        stored = session.get(UserSession, row.id)
        assert stored is not None and stored.revoked_at is not None
        assert accounts.resolve_session(session=session, token=token) is None

    def test_expired_session_does_not_resolve(self, session: Session) -> None:
        user = make_user(session)
        token, row = accounts.start_session(session=session, user=user, hours=2)
        row.expires_at = utcnow() - timedelta(minutes=1)
        session.add(row)
        session.flush()
        session.expire_all()
        assert accounts.resolve_session(session=session, token=token) is None

    def test_change_password_updates_user_and_revokes_other_sessions(self, session: Session) -> None:
        user = make_user(session)
        keep_token, keep = accounts.start_session(session=session, user=user, hours=2)
        other_token, _ = accounts.start_session(session=session, user=user, hours=2)
        accounts.change_password(
            session=session,
            user=user,
            data=PasswordChange(current_password=PASSWORD, new_password="NewPass456"),
            keep_session_id=keep.id,
        )
        session.flush()
        assert accounts.resolve_session(session=session, token=keep_token) is not None
        assert accounts.resolve_session(session=session, token=other_token) is None
        assert accounts.authenticate(session=session, email=user.email, password="NewPass456").id == user.id
        with pytest.raises(NotAuthenticated):
            accounts.authenticate(session=session, email=user.email, password=PASSWORD)
