"""JSON API of the emailed links: request a reset, reset the password, verify the email."""

from fastapi import APIRouter, Request, Response

from backend.accounts import recovery, verification
from backend.accounts.deps import SignedIn
from backend.accounts.login_limit import client_address
from backend.accounts.models import UserPublic
from backend.accounts.schemas import EmailVerification, ForgotPassword, PasswordReset
from backend.deps import SessionDep

router = APIRouter(prefix="/auth", tags=["accounts"])


@router.post("/password/forgot", status_code=202)
def forgot_password(data: ForgotPassword, session: SessionDep, request: Request) -> dict[str, str]:
    """Email a reset link (1 hour, single use) if the address has an account; the answer is the same either way."""
    recovery.request_reset(session=session, email=data.email, address=client_address(request))
    return {"message": recovery.SENT}


@router.post("/password/reset", status_code=204)
def reset_password(data: PasswordReset, session: SessionDep) -> Response:
    """Set a new password with a reset link's token; every session of the account ends (410: link not live)."""
    recovery.reset_password(session=session, data=data)
    return Response(status_code=204)


@router.post("/verify")
def verify_email(data: EmailVerification, session: SessionDep) -> UserPublic:
    """Verify the email with the token of the link sent to it (410: link not live)."""
    return UserPublic.model_validate(verification.verify(session=session, token=data.token))


@router.post("/verify/resend", status_code=202)
def resend_verification(session: SessionDep, viewer: SignedIn, request: Request) -> dict[str, str]:
    """Send the verification email again (409 if already verified; throttled)."""
    verification.resend(session=session, user=viewer.user, address=client_address(request))
    return {"message": f"验证邮件已发送至 {viewer.user.email}"}
