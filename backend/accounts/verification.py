"""Email verification: a link sent at sign-up (and again on request); until it is opened, a
user may save drafts but not submit a posting for review."""

from sqlmodel import Session

from backend import outgoing_mail
from backend.accounts import links
from backend.accounts.models import User
from backend.accounts.throttle import resend_limiter
from backend.audit.service import record
from backend.config import get_settings
from backend.db import utcnow
from backend.errors import Conflict, InvalidInput

VERIFY_PAGE = "/account/verify"
NOT_VERIFIED = (
    "您的邮箱尚未验证，暂不能提交审核（可以先保存草稿）。请打开验证邮件中的链接；"
    f"没有收到的，可在“邮箱验证”页面（{VERIFY_PAGE}）重新发送验证邮件"
)


class EmailNotVerified(InvalidInput):
    """Submitting a posting before the email is verified; shown on the form, the draft kept."""

    def __init__(self) -> None:
        super().__init__(
            NOT_VERIFIED, detail=[{"field": "email", "label": "邮箱验证", "message": NOT_VERIFIED}]
        )


def is_verified(user: User) -> bool:
    """Whether `user` has opened a verification link (or was counted verified when created)."""
    return user.email_verified_at is not None


def require_verified(user: User) -> None:
    """EmailNotVerified unless `user`'s email is verified."""
    if not is_verified(user):
        raise EmailNotVerified()


def send_link(*, session: Session, user: User) -> None:
    """Email `user` a new verification link (after the commit); earlier links stop working."""
    token = links.issue(session=session, user=user, purpose=links.VERIFY)
    body = (
        f"{user.name}，您好：\n\n"
        f"您在科创撮合（{get_settings().site_url}）用邮箱 {user.email} 注册了账号。"
        "请在 3 天内打开下面的链接，确认这是您的邮箱：\n\n"
        f"{links.url(VERIFY_PAGE, token)}\n\n"
        "验证后即可提交技术需求或科技成果，供平台运营审核后发布。"
        "如果这不是您本人的操作，请忽略本邮件。"
    )
    outgoing_mail.queue(session, to=user.email, subject="请验证您的邮箱", body=body)


def resend(*, session: Session, user: User, address: str) -> None:
    """Send the verification link again (throttled); Conflict if already verified."""
    if is_verified(user):
        raise Conflict("您的邮箱已验证，无需再次验证")
    resend_limiter.attempt(session=session, account=user.email.lower(), address=address)
    send_link(session=session, user=user)


def verify(*, session: Session, token: str) -> User:
    """Use up a verification link and mark its user's email verified (BadLink if not live)."""
    user = links.use(session=session, token=token, purpose=links.VERIFY)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        user.updated_at = utcnow()
        session.add(user)
        assert user.id is not None
        record(session=session, actor=user, action="verify_email", entity="user", entity_id=user.id)
    return user
