"""Sign-up, log-in sessions and passwords."""

from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from backend.accounts.models import Organisation, User, UserSession
from backend.accounts.schemas import PasswordChange, SignUp
from backend.accounts.security import (
    hash_password,
    new_token,
    password_problem,
    token_digest,
    verify_password,
)
from backend.audit.service import record
from backend.db import utcnow
from backend.errors import Conflict, InvalidInput, NotAuthenticated, NotPermitted
from backend.errors.unique import violated
from backend.validation import name_key
from backend.vocab import OrgKind, Role

_EMAIL_TAKEN = ("email", "邮箱", "该邮箱已注册")
_ORG_TAKEN = ("organisation_name", "单位名称", "该单位已在平台注册，请联系平台运营为您开通账号")

_ROLE_ORG_KINDS = {
    Role.enterprise: {OrgKind.enterprise},
    Role.researcher: {OrgKind.university, OrgKind.institute},
    Role.operator: {OrgKind.platform},
}


def _field_error(field: str, label: str, message: str) -> InvalidInput:
    return InvalidInput(f"{label}：{message}", detail=[{"field": field, "label": label, "message": message}])


def create_user(*, session: Session, data: SignUp, created_by: User | None = None) -> User:
    """Create a user and its organisation (or, for an operator, in an existing one)."""
    if data.organisation_kind not in _ROLE_ORG_KINDS[data.role]:
        raise _field_error("organisation_kind", "单位类型", "账号类型与单位类型不符")
    if data.role == Role.operator and (created_by is None or created_by.role != Role.operator):
        raise NotPermitted("运营账号只能由平台运营创建")
    if problem := password_problem(data.password):
        raise _field_error("password", "密码", problem)
    if session.exec(select(User).where(func.lower(User.email) == data.email)).first():
        raise _field_error(*_EMAIL_TAKEN)
    org = session.exec(
        select(Organisation).where(Organisation.name_key == name_key(data.organisation_name))
    ).first()
    if org is not None and created_by is None:
        # Joining an existing organisation would let anyone edit its postings:
        # only an operator may add people to an organisation already here.
        raise _field_error(*_ORG_TAKEN)
    if org is not None and org.kind != data.organisation_kind:
        raise _field_error("organisation_kind", "单位类型", "与该单位已登记的类型不符")
    try:
        user = _insert(session=session, data=data, org=org)
    except IntegrityError as exc:  # a sign-up in the same instant took the email or the name
        if violated(exc, "email"):
            raise _field_error(*_EMAIL_TAKEN) from exc
        if violated(exc, "name_key"):
            raise _field_error(*_ORG_TAKEN) from exc
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
    return user


def _insert(*, session: Session, data: SignUp, org: Organisation | None) -> User:
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
    if not verify_password(user.password_hash, data.current_password):
        raise _field_error("current_password", "当前密码", "当前密码不正确")
    if problem := password_problem(data.new_password):
        raise _field_error("new_password", "新密码", problem)
    if data.new_password == data.current_password:
        raise _field_error("new_password", "新密码", "新密码不能与当前密码相同")
    user.password_hash = hash_password(data.new_password)
    user.updated_at = utcnow()
    session.add(user)
    others = session.exec(
        select(UserSession).where(
            UserSession.user_id == user.id,
            col(UserSession.revoked_at).is_(None),
            UserSession.id != keep_session_id,
        )
    )
    for row in others:
        row.revoked_at = utcnow()
        session.add(row)
    assert user.id is not None
    record(session=session, actor=user, action="change_password", entity="user", entity_id=user.id)


def organisation_name(*, session: Session, organisation_id: int) -> str:
    """The name of an organisation."""
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise Conflict("单位不存在")
    return org.name
