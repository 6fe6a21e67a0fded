"""Sign-up, log-in sessions and passwords."""

from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from backend.accounts import verification
from backend.accounts.checks import (
    EMAIL_TAKEN,
    ORG_TAKEN,
    password_change_problems,
    problem,
    refuse,
    signup_problems,
)
from backend.accounts.models import Organisation, User, UserSession
from backend.accounts.schemas import PasswordChange, SignUp
from backend.accounts.security import hash_password, new_token, token_digest, verify_password
from backend.accounts.terms import TERMS_VERSION
from backend.audit.service import record
from backend.db import utcnow
from backend.errors import Conflict, NotAuthenticated, NotPermitted
from backend.errors.unique import violated
from backend.validation import name_key
from backend.vocab import Role


def create_user(*, session: Session, data: SignUp, created_by: User | None = None) -> User:
    """Create a user and its organisation (or, for an operator, in an existing one) and email
    them a verification link; people signing themselves up accept the terms, recorded."""
    if data.role == Role.operator and (created_by is None or created_by.role != Role.operator):
        raise NotPermitted("运营账号只能由平台运营创建")
    problems = signup_problems(session=session, values=data.model_dump(), skip=set(), created_by=created_by)
    if problems:
        raise refuse(problems)
    org = session.exec(
        select(Organisation).where(Organisation.name_key == name_key(data.organisation_name))
    ).first()
    try:
        user = _insert(session=session, data=data, org=org, consented=created_by is None)
    except IntegrityError as exc:  # a sign-up in the same instant took the email or the name
        if violated(exc, "email"):
            raise refuse([problem(*EMAIL_TAKEN)]) from exc
        if violated(exc, "name_key"):
            raise refuse([problem(*ORG_TAKEN)]) from exc
        raise
    assert user.id is not None
    record(
        session=session,
        actor=created_by or user,
        action="create",
        entity="user",
        entity_id=user.id,
        summary=f"{data.role.label} {data.email}",
    )
    verification.send_link(session=session, user=user)
    return user


def _insert(*, session: Session, data: SignUp, org: Organisation | None, consented: bool) -> User:
    if org is None:
        org = Organisation(name=data.organisation_name, kind=data.organisation_kind, region=data.region)
        session.add(org)
        session.flush()
    assert org.id is not None
    user = User(
        email=data.email,
        name=data.name,
        phone=data.phone,
        role=data.role,
        organisation_id=org.id,
        password_hash=hash_password(data.password),
        terms_version=TERMS_VERSION if consented else None,
        terms_accepted_at=utcnow() if consented else None,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(*, session: Session, email: str, password: str) -> User:
    """The active user with these credentials, or NotAuthenticated."""
    user = session.exec(select(User).where(func.lower(User.email) == email.strip().lower())).first()
    if user is None or not user.is_active or not verify_password(user.password_hash, password):
        raise NotAuthenticated("邮箱或密码不正确")
    return user


def start_session(*, session: Session, user: User, hours: int) -> tuple[str, UserSession]:
    """Open a login session; returns the cookie token (only its digest is stored)."""
    token = new_token()
    assert user.id is not None
    row = UserSession(
        token_hash=token_digest(token),
        csrf_token=new_token(),
        user_id=user.id,
        expires_at=utcnow() + timedelta(hours=hours),
    )
    user.last_login_at = utcnow()
    session.add(row)
    session.add(user)
    session.flush()
    return token, row


def resolve_session(*, session: Session, token: str) -> tuple[User, UserSession] | None:
    """The user behind a cookie token, if the session is live."""
    row = session.exec(select(UserSession).where(UserSession.token_hash == token_digest(token))).first()
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    return user, row


def end_session(*, session: Session, token: str) -> None:
    """Revoke the session behind a cookie token (logout)."""
    row = session.exec(select(UserSession).where(UserSession.token_hash == token_digest(token))).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)


def change_password(
    *, session: Session, user: User, data: PasswordChange, keep_session_id: int | None
) -> None:
    """Set a new password and revoke every other session of the user."""
    problems = password_change_problems(user=user, values=data.model_dump(), skip=set())
    if problems:
        raise refuse(problems)
    user.password_hash = hash_password(data.new_password)
    user.updated_at = utcnow()
    session.add(user)
    revoke_sessions(session=session, user=user, keep_session_id=keep_session_id)
    assert user.id is not None
    record(session=session, actor=user, action="change_password", entity="user", entity_id=user.id)


def revoke_sessions(*, session: Session, user: User, keep_session_id: int | None) -> None:
    """End every live session of `user` but the one kept (None: all of them)."""
    live = session.exec(
        select(UserSession).where(
            UserSession.user_id == user.id,
            col(UserSession.revoked_at).is_(None),
            UserSession.id != keep_session_id,
        )
    )
    for row in live:
        row.revoked_at = utcnow()
        session.add(row)


def organisation_name(*, session: Session, organisation_id: int) -> str:
    """The name of an organisation."""
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise Conflict("单位不存在")
    return org.name
