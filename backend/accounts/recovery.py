"""忘记密码: a reset link by email, then a new password set through it."""

from sqlmodel import Session, func, select

from backend import outgoing_mail
from backend.accounts import links
from backend.accounts.checks import confirm_problem, refuse
from backend.accounts.login_limit import login_limiter
from backend.accounts.models import User
from backend.accounts.schemas import PasswordReset
from backend.accounts.security import hash_password
from backend.accounts.service import revoke_sessions
from backend.accounts.throttle import reset_limiter
from backend.audit.service import record
from backend.db import utcnow

RESET_PAGE = "/password/reset"
SENT = "如果该邮箱已在科创撮合注册，我们已向它发送了重置密码的链接（1 小时内有效，只能使用一次）。请查收邮件，也请看看垃圾邮件箱。"


def request_reset(*, session: Session, email: str, address: str) -> None:
    """Email a reset link if an active account has `email` (throttled, counted either way).

    Callers answer with SENT whatever happened, so the form does not tell who has an account."""
    account = email.strip().lower()
    reset_limiter.attempt(session=session, account=account, address=address)
    user = session.exec(select(User).where(func.lower(User.email) == account)).first()
    if user is None or not user.is_active:
        return
    token = links.issue(session=session, user=user, purpose=links.RESET)
    body = (
        f"{user.name}，您好：\n\n"
        f"我们收到了重置科创撮合账号 {user.email} 密码的申请。请在 1 小时内打开下面的链接设置新密码"
        "（链接只能使用一次）：\n\n"
        f"{links.url(RESET_PAGE, token)}\n\n"
        "如果这不是您本人的申请，请忽略本邮件，您的密码不会改变。"
    )
    outgoing_mail.queue(session, to=user.email, subject="重置密码", body=body)


def reset_password(*, session: Session, data: PasswordReset) -> User:
    """Set a new password through a live link: the link is used up, every session of the user
    ends, and the email counts as verified (the link reached its mailbox)."""
    links.check(session=session, token=data.token, purpose=links.RESET)
    problems = confirm_problem(data.model_dump(), "new_password", "new_password_confirm", "确认新密码")
    if problems:
        raise refuse(problems)
    user = links.use(session=session, token=data.token, purpose=links.RESET)
    links.retire(session=session, user=user, purpose=links.RESET)
    now = utcnow()
    user.password_hash = hash_password(data.new_password)
    user.updated_at = now
    if user.email_verified_at is None:
        user.email_verified_at = now
    session.add(user)
    revoke_sessions(session=session, user=user, keep_session_id=None)
    login_limiter.succeeded(
        session=session, account=user.email.lower()
    )  # the owner is back: failed logins forgotten
    assert user.id is not None
    record(session=session, actor=user, action="reset_password", entity="user", entity_id=user.id)
    return user
