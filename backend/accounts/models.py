"""Organisations, users and their login sessions."""

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, event
from sqlmodel import Field, SQLModel

from backend.db import utcnow
from backend.validation import name_key, normalise_name
from backend.vocab import OrgKind, Role


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, index=True)
    # The name as compared (validation.name_key): unique in the database, so two sign-ups racing
    # or a name with an invisible character cannot make a second organisation of the same name.
    name_key: str = Field(default="", max_length=100, unique=True, index=True)
    kind: OrgKind = Field(sa_type=String(20))
    region: str = Field(max_length=20)
    credit_code: str | None = Field(default=None, max_length=18)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


@event.listens_for(Organisation, "before_insert")
@event.listens_for(Organisation, "before_update")
def _normalise_name(_mapper: Any, _connection: Any, org: Organisation) -> None:
    # Every way an organisation is written (sign-up, import, demo, operators) goes through here.
    org.name = normalise_name(org.name)
    org.name_key = name_key(org.name)


EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class UserBase(SQLModel):
    email: str = Field(max_length=254, regex=EMAIL_PATTERN)
    name: str = Field(min_length=1, max_length=50)
    phone: str = Field(default="", max_length=30)


class User(UserBase, table=True):
    __tablename__ = "user"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    role: Role = Field(sa_type=String(20))
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    password_hash: str = Field(max_length=255)
    is_active: bool = True
    last_login_at: datetime | None = None
    # When the user last opened their workspace: matches newer than this are "new".
    workspace_seen_at: datetime | None = None
    # When the user opened the link sent to their email (None: not yet; postings stay drafts).
    email_verified_at: datetime | None = None
    # The 用户协议 / 隐私政策 version accepted at sign-up, and when (None: created by an operator).
    terms_version: str | None = Field(default=None, max_length=20)
    terms_accepted_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class UserPublic(UserBase):
    id: int
    role: Role
    organisation_id: int
    email_verified_at: datetime | None = None


class UserSession(SQLModel, table=True):
    """A server-side login session; the cookie holds only a random token."""

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    csrf_token: str = Field(max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None


class AccountToken(SQLModel, table=True):
    """A link emailed to an account holder (password reset, email verification): single use,
    expiring; like a session, only the token's digest is stored."""

    __tablename__ = "account_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    purpose: str = Field(max_length=20)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class ThrottleHit(SQLModel, table=True):
    """One counted attempt (a failed login, a reset or verification email asked for), per key.

    In the database, not in a worker's memory, so every worker and machine counts the same
    attempts: a guesser spread over four workers is stopped as if there were one.
    """

    __tablename__ = "throttle_hit"
    __table_args__ = (Index("ix_throttle_hit_limiter_key_at", "limiter", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    limiter: str = Field(max_length=20)  # login | reset | resend
    key: str = Field(max_length=300)  # account:<email> | address:<client address>
    at: datetime = Field(index=True)
