"""Login throttling: failed attempts are counted per account and per client address.

A blocked account or address is refused before the password is even checked, so guessing
stops; a successful login clears the account's count. The counts are rows in the database
(accounts.throttle), written in the request's transaction: a refused login must therefore be
answered, not raised, or the rollback would forget the failure (see the login routes).
"""

from fastapi import Request
from sqlmodel import Session

from backend.accounts import service
from backend.accounts.models import User
from backend.accounts.throttle import WINDOW_SECONDS, Throttle
from backend.errors import NotAuthenticated

PER_ACCOUNT = 5
PER_ADDRESS = 20

login_limiter = Throttle(
    name="login",
    per_account=PER_ACCOUNT,
    per_address=PER_ADDRESS,
    window=WINDOW_SECONDS,
    message="登录失败次数过多，请 {minutes} 分钟后再试",
)


def authenticate(*, session: Session, email: str, password: str, address: str) -> User:
    """`accounts.service.authenticate` behind the limiter: RateLimited (429) once over the limit."""
    account = email.strip().lower()
    login_limiter.check(session=session, account=account, address=address)
    try:
        user = service.authenticate(session=session, email=email, password=password)
    except NotAuthenticated:
        login_limiter.failed(session=session, account=account, address=address)
        raise
    login_limiter.succeeded(session=session, account=account)
    return user


def client_address(request: Request) -> str:
    """The client's address as the server sees it (run uvicorn with --proxy-headers behind a proxy)."""
    return request.client.host if request.client else "unknown"
