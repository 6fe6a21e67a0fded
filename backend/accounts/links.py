"""Single-use, expiring links emailed to account holders (password reset, email verification).

The email carries a random token; the database keeps only its SHA-256 (as for sessions), so a
copy of the database opens no account. A link is used at most once: using it is a
compare-and-set on `used_at`, so of two tabs sending the same link exactly one succeeds.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from backend.accounts.models import AccountToken, User
from backend.accounts.security import new_token, token_digest
from backend.config import get_settings
from backend.db import utcnow
from backend.errors import DomainError


class BadLink(DomainError):
    """A link that is unknown, used already, or past its time."""

    status_code = 410
    title = "链接已失效"


@dataclass(frozen=True)
class Purpose:
    name: str
    lifetime: timedelta
    unknown: str
    used: str
    expired: str


RESET = Purpose(
    name="password_reset",
    lifetime=timedelta(hours=1),
    unknown="重置链接无效：请确认打开的是邮件中的完整链接，或重新申请重置密码",
    used="该重置链接已失效（已使用过，或之后又申请了新的链接），不能再次使用；如需重置密码，请重新申请",
    expired="该重置链接已过期（有效期 1 小时），请重新申请重置密码",
)
VERIFY = Purpose(
    name="verify_email",
    lifetime=timedelta(days=3),
    unknown="验证链接无效：请确认打开的是邮件中的完整链接，或登录后重新发送验证邮件",
    used="该验证链接已失效（已使用过，或之后又发送了新的验证邮件）",
    expired="该验证链接已过期（有效期 3 天），请登录后重新发送验证邮件",
)


def issue(*, session: Session, user: User, purpose: Purpose) -> str:
    """A new link token for `user`; earlier unused ones of the same purpose stop working."""
    assert user.id is not None
    retire(session=session, user=user, purpose=purpose)
    token = new_token()
    row = AccountToken(
        user_id=user.id,
        purpose=purpose.name,
        token_hash=token_digest(token),
        expires_at=utcnow() + purpose.lifetime,
    )
    session.add(row)
    session.flush()
    return token


def _row(session: Session, token: str, purpose: Purpose) -> AccountToken:
    row = session.exec(
        select(AccountToken).where(
            AccountToken.token_hash == token_digest(token[:100]), AccountToken.purpose == purpose.name
        )
    ).first()
    if row is None:
        raise BadLink(purpose.unknown)
    if row.used_at is not None:
        raise BadLink(purpose.used)
    if row.expires_at <= utcnow():
        raise BadLink(purpose.expired)
    return row


def _owner(session: Session, row: AccountToken, purpose: Purpose) -> User:
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise BadLink(purpose.unknown)
    return user


def check(*, session: Session, token: str, purpose: Purpose) -> User:
    """The user a live link belongs to, leaving the link unused (BadLink otherwise)."""
    row = _row(session, token, purpose)
    return _owner(session, row, purpose)


def use(*, session: Session, token: str, purpose: Purpose) -> User:
    """Use up a live link and return its user (BadLink if it is not live, or was used meanwhile)."""
    row = _row(session, token, purpose)
    user = _owner(session, row, purpose)
    done = session.execute(
        update(AccountToken)
        .where(col(AccountToken.id) == row.id, col(AccountToken.used_at).is_(None))
        .values(used_at=utcnow())
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise BadLink(purpose.used)
    return user


def retire(*, session: Session, user: User, purpose: Purpose) -> None:
    """Every unused link of `user` for `purpose` stops working."""
    session.execute(
        update(AccountToken)
        .where(
            col(AccountToken.user_id) == user.id,
            col(AccountToken.purpose) == purpose.name,
            col(AccountToken.used_at).is_(None),
        )
        .values(used_at=utcnow())
    )


def url(path: str, token: str) -> str:
    """The absolute link for an email (the configured site address, never the request's Host)."""
    return f"{get_settings().site_url}{path}/{token}"
